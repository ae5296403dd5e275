"""Reading a chunk of files into ``classified`` (see loaders.classify).

Fast path: DuckDB's JSON reader reads every file of a chunk in parallel and classifies each line in the
same pass. A file is clean when every line parsed and its text adds up to its uncompressed size (so it has
no blank or CRLF lines and line numbers are exact). Any other file takes the slow path: Python splits the
decompressed bytes into physical lines and quarantines what DuckDB could not read (invalid UTF-8, too large,
invalid JSON). JSON arrays and Segment ``batch`` bodies (rare: Rasa never sends them) are expanded in Python.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from common.settings import MAX_LINE_BYTES
from loaders.classify import CLASSIFIED_DDL, FAST_SOURCE, SLOW_SOURCE, classify_sql
from loaders.find import InputFile

JSON_WS = b" \t\r\n"
LEADING_WS = re.compile(rb"[ \t\r\n]*")
# A row DuckDB could not read (NULL line) or one over the size limit.
BAD_LINE = f"(reason = 'invalid_json' and line_bytes is null) or line_bytes > {MAX_LINE_BYTES}"

STAGE_DDL = """
create or replace temp table stage (
    file_idx integer, line_number bigint, record_index integer, kind varchar, line varchar, checked boolean
);
create or replace temp table pre_rejects (
    file_idx integer, line_number bigint, record_index integer, reason varchar, detail varchar,
    raw_line varchar, raw_bytes blob
);
create or replace temp table line_offsets (file_idx integer, line_offset bigint);
"""


@dataclass
class Reject:
    file_idx: int
    line_number: int
    record_index: int | None
    reason: str
    detail: str
    raw_line: str | None
    raw_bytes: bytes | None = None


def reset(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(STAGE_DDL + CLASSIFIED_DDL)


def read_fast(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile]) -> None:
    """Read and classify all files of a chunk in one parallel scan; raises if a file is unreadable."""
    paths = [info.scan_path for info in files.values()]  # an alias when the name is not plain text
    con.execute(classify_sql(FAST_SOURCE), {"paths": paths, "idx": list(files)})
    # The scan's rows are in file order: number them across the chunk, then remember where each file starts.
    con.execute("update classified set line_number = rowid + 1")
    con.execute(
        """insert into line_offsets
           select file_idx, min(line_number) - 1 from classified
           where file_idx in (select unnest($idx)) group by 1""",
        {"idx": list(files)},
    )


@dataclass
class Scanned:
    """What the fast scan read of one file: its rows, where its numbering starts, its unreadable lines."""

    rows: int = 0
    offset: int = 0
    bad: list[int] = field(default_factory=list)  # chunk-wide line numbers, as in ``classified``


def unclean_files(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile]) -> dict[int, Scanned]:
    """Files that need the slow path: unreadable or oversized lines, or bytes that don't add up."""
    rows = con.execute(
        f"""
        select file_idx, count(*), any_value(line_offset),
               coalesce(sum(line_bytes), 0) + count(*) as text_bytes,
               coalesce(list(line_number order by line_number) filter (where {BAD_LINE}), [])
        from classified inner join line_offsets using (file_idx) group by 1
        """
    ).fetchall()
    seen = {idx: (Scanned(count, offset, bad), text_bytes) for idx, count, offset, text_bytes, bad in rows}
    unclean = {}
    for idx, info in files.items():
        scanned, text_bytes = seen.get(idx, (Scanned(), 0))
        sizes = {text_bytes, text_bytes - 1}  # the last line may lack its newline
        if info.is_gzip:
            sizes = {size % (1 << 32) for size in sizes}
        if scanned.bad or info.uncompressed_bytes not in sizes:
            unclean[idx] = scanned
    return unclean


def read_bytes(info: InputFile) -> bytes:
    """The file's decompressed bytes (zlib releases the GIL: callers may read several files in threads)."""
    data = info.path.read_bytes()
    return gzip.decompress(data) if info.is_gzip else data


def _classify_bad_line(raw: bytes) -> tuple[str, str, str | None, bytes | None]:
    if len(raw) > MAX_LINE_BYTES:
        preview = raw[:1000].decode("utf-8", "backslashreplace")
        return "too_large", f"{len(raw)} bytes > limit {MAX_LINE_BYTES}", preview, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        detail = f"invalid UTF-8 byte 0x{raw[error.start]:02x} at offset {error.start}"
        return "invalid_utf8", detail, raw.decode("utf-8", "backslashreplace"), raw
    try:
        json.loads(text)
    except ValueError as error:
        return "invalid_json", f"not valid JSON: {error}", text, None
    return "invalid_json", "not valid JSON (rejected by DuckDB's JSON reader)", text, None


def _document(data: bytes) -> str | None:
    """The file's text if it is one JSON document spanning several lines (an array or a batch body)."""
    start = LEADING_WS.match(data).end()  # type: ignore[union-attr]  # always matches
    end = data.find(b"\n", start)
    if data[start : start + 1] not in (b"[", b"{") or end < 0:
        return None
    try:
        json.loads(data[start:end])
        return None  # the first line stands alone: NDJSON
    except ValueError:
        pass
    try:
        text = data.decode("utf-8").strip()
        json.loads(text)
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None
    return text


def _stage_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple], *, checked: bool) -> None:
    frame = pd.DataFrame(rows, columns=["file_idx", "line_number", "record_index", "kind", "line"])
    frame["record_index"] = frame["record_index"].astype("Int64")
    frame["checked"] = checked
    con.register("python_rows", frame)
    con.execute("insert into stage select * from python_rows")
    con.unregister("python_rows")


def _kind(text: str) -> str:
    first = text.lstrip()[:1]
    return {"{": "object", "[": "array"}.get(first, "scalar")


def read_slow(con: duckdb.DuckDBPyConnection, idx: int, data: bytes, scanned: Scanned) -> list[Reject]:
    """Redo one file exactly: physical line numbers; quarantine what DuckDB could not read.

    In the common case (no blank lines, DuckDB read one row per line) DuckDB's rows stand and only its
    unreadable lines are looked at here; the caller deletes them from ``classified`` (:func:`drop_bad_lines`).
    """
    document = _document(data)
    if document is not None:
        con.execute("delete from classified where file_idx = $1", [idx])
        con.execute("update line_offsets set line_offset = 0 where file_idx = $1", [idx])
        _stage_rows(con, [(idx, 1, None, _kind(document), document)], checked=False)
        return []
    text = data[:-1] if data.endswith(b"\n") else data
    lines = text.split(b"\n") if text else []
    bad: list[int]
    if scanned.rows == len(lines):
        # DuckDB skips blank and whitespace-only lines and reads any other line as one row (NULL when it
        # is unreadable), so as many rows as lines means no blank lines: its line numbers are physical.
        # Only the unreadable lines need Python.
        bad = [number - scanned.offset for number in scanned.bad]
    else:
        # Blank lines or a disagreement on what a line is: take Python's lines, validate them in SQL.
        con.execute("delete from classified where file_idx = $1", [idx])
        con.execute("update line_offsets set line_offset = 0 where file_idx = $1", [idx])
        good: list[tuple] = []
        bad = []
        for number, line in enumerate(lines, 1):
            raw = line.rstrip(b"\r")
            if not raw.strip(JSON_WS):
                continue
            try:
                if len(raw) > MAX_LINE_BYTES:
                    raise ValueError
                decoded = raw.decode("utf-8")
            except ValueError:
                bad.append(number)
                continue
            good.append((idx, number, None, _kind(decoded), decoded))
        _stage_rows(con, good, checked=False)
    return [Reject(idx, number, None, *_classify_bad_line(lines[number - 1].rstrip(b"\r"))) for number in bad]


def drop_bad_lines(con: duckdb.DuckDBPyConnection, files: list[int]) -> None:
    """Remove the rows of unreadable lines that :func:`read_slow` quarantined in Python."""
    if files:
        con.execute(f"delete from classified where file_idx in (select unnest($1)) and ({BAD_LINE})", [files])


def _merge_batch(body: dict) -> list[object]:
    """Segment batch semantics: top-level fields (context, integrations, sentAt...) are defaults."""
    defaults = {key: value for key, value in body.items() if key not in ("batch", "writeKey")}
    merged: list[object] = []
    for element in body["batch"]:
        if not isinstance(element, dict):
            merged.append(element)
            continue
        record = {**defaults, **element}
        for key in ("context", "integrations"):
            if isinstance(defaults.get(key), dict) and isinstance(element.get(key), dict):
                record[key] = {**defaults[key], **element[key]}
        merged.append(record)
    return merged


CONTAINERS = """
select file_idx, line_number, raw_line from classified
where (reason = 'not_an_object' and left(raw_line, 1) = '[')
   or (reason = 'missing_event' and contains(raw_line, '"batch"')
       and json_type(raw_line::json, '$.batch') = 'ARRAY')
"""


def expand_containers(con: duckdb.DuckDBPyConnection) -> None:
    """Replace JSON-array lines and batch bodies by one staged row per element."""
    containers = con.execute(CONTAINERS).fetchall()
    staged = con.execute(
        "select file_idx, line_number, line from stage where kind = 'array' or contains(line, '\"batch\"')"
    ).fetchall()
    rows: list[tuple] = []
    for file_idx, line_number, line in containers + staged:
        try:
            value = json.loads(line)
        except ValueError:
            continue  # invalid: stays as it is and SQL rejects it
        if isinstance(value, dict) and not isinstance(value.get("batch"), list):
            continue
        elements = _merge_batch(value) if isinstance(value, dict) else value
        for position, element in enumerate(elements):
            text = json.dumps(element, ensure_ascii=False, separators=(",", ":"))
            rows.append((file_idx, line_number, position, _kind(text), text))
        con.execute(
            "delete from classified where file_idx = $1 and line_number = $2 and record_index is null",
            [file_idx, line_number],
        )
        con.execute(
            "delete from stage where file_idx = $1 and line_number = $2 and record_index is null",
            [file_idx, line_number],
        )
    if rows:
        _stage_rows(con, rows, checked=True)


def classify_staged(con: duckdb.DuckDBPyConnection) -> None:
    if con.execute("select count(*) from stage").fetchone()[0]:
        con.execute(classify_sql(SLOW_SOURCE))


def store_rejects(con: duckdb.DuckDBPyConnection, rejects: list[Reject]) -> None:
    if not rejects:
        return
    frame = pd.DataFrame([vars(reject) for reject in rejects])
    frame["record_index"] = frame["record_index"].astype("Int64")
    con.register("python_rejects", frame)
    con.execute("insert into pre_rejects select * from python_rejects")
    con.unregister("python_rejects")
