"""The DuckDB temp tables the loader's stages pass between them: declared, and documented, here only.

A run goes find (Python: which files) -> read (a chunk of files into ``classified``) -> dedup (``losers``)
-> land (one transaction into the raw tables). Every table below lives for one chunk and is created anew
by :func:`reset`; the stage that writes each one is named in its description.
"""

from __future__ import annotations

import duckdb

from loaders.schema import ENVELOPE, SQL_TYPE, quote

_ENVELOPE_COLUMNS = ", ".join(f"{quote(key.column)} {SQL_TYPE[key.kind]}" for key in ENVELOPE)

#: name -> (columns, what it holds and who writes it)
TABLES: dict[str, tuple[str, str]] = {
    "chunk_meta": (
        "file_idx integer, source_file varchar, file_sha256 varchar, default_received_at timestamp",
        "load: one row per file of the chunk; default_received_at is --received-at or the file's mtime",
    ),
    "line_offsets": (
        "file_idx integer, line_offset bigint",
        "read: one row per file read; where its lines start in classified's chunk-wide numbering (0 once Python "
        "renumbered it, or when DuckDB read no row of it)",
    ),
    "classified": (
        "file_idx integer, line_number bigint, record_index integer, reason varchar, detail varchar, "
        f"raw_line varchar, {_ENVELOPE_COLUMNS}, extra json, line_bytes bigint, needs_python boolean",
        "read (loaders.classify): one row per record; the envelope typed for accepted ones, reason/detail for the rest",
    ),
    "stage": (
        "file_idx integer, line_number bigint, record_index integer, kind varchar, line varchar, checked boolean",
        "read (slow path): lines Python read (loaders.lines; ``checked``: strictly), classified in SQL next",
    ),
    "pre_rejects": (
        "file_idx integer, line_number bigint, record_index integer, reason varchar, detail varchar, "
        "raw_line varchar, raw_bytes blob",
        "read (slow path): rejects found in Python (invalid UTF-8, too large, too deep, not strict JSON), "
        "numbered like classified",
    ),
    "chunk_loads": (
        "file_idx integer, load_id bigint",
        "land: the load_id each file of the chunk lands under",
    ),
    "losers": (
        "file_idx integer, line_number bigint, record_index integer",
        "dedup: accepted records that are duplicates (a copy received earlier, or already in raw.events)",
    ),
}


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """Create every chunk table empty."""
    for name, (columns, _) in TABLES.items():
        con.execute(f"create or replace temp table {name} ({columns})")


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append rows from Python to a temp table in one statement, each column passed as a list and unnested
    (``executemany`` runs one statement per row: 10,000 staged lines took seconds)."""
    if not rows:
        return
    columns = {f"c{number}": list(column) for number, column in enumerate(zip(*rows, strict=True))}
    con.execute(f"insert into {table} select {', '.join(f'unnest(${name})' for name in columns)}", columns)
