"""The premises of bench/bound.py (README "What bounds the speed"), which a DuckDB upgrade could change.

The bound compares the engine with designs that number lines. Where files have bad lines it counts only designs that
read the files' physical lines (DuckDB's JSON reader skips blank lines, so its rows are not the lines); DuckDB's
CSV reader, as bench/bound.py calls it, reads one row per line. Every design must also run.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb

from bench.bound import _LINES, KEEPS_BAD_LINES, ND, NUMBERED, designs, run
from bench.load import ENGINE_COLUMNS, FLOOR_COLUMNS, FLOOR_TABLE

LINES = [
    b'{"event":"a","userId":"u","messageId":"1","properties":{"x":1}}',
    b"",
    b'{"event":"b","userId":"u","messageId":"2"}{"event":"c","userId":"u","messageId":"3"}',
    b"   ",
    b'{"event":"d","userId":"u","messageId":"4","properties":{}}',
]


def _archive(tmp_path: Path) -> str:
    path = tmp_path / "day.gz"
    path.write_bytes(gzip.compress(b"\n".join(LINES) + b"\n"))
    return str(path)


def test_json_reader_rows_are_not_physical_lines_but_the_csv_reader_rows_are(tmp_path: Path) -> None:
    files = [_archive(tmp_path)]
    with duckdb.connect() as con:
        objects = con.execute(f"select json::varchar from read_json_objects($files, {ND})", {"files": files}).fetchall()
        lines = con.execute(f"select line from read_csv($files, {_LINES})", {"files": files}).fetchall()
    assert len(objects) == 3  # the blank lines skipped (two objects on one line: one NULL row)
    assert [line for (line,) in lines] == [line.decode() or None for line in LINES]


def test_every_design_runs_and_writes_the_readable_lines(tmp_path: Path) -> None:
    files = [_archive(tmp_path)]
    assert set(KEEPS_BAD_LINES) <= set(NUMBERED)
    for name, statements in designs(ENGINE_COLUMNS, FLOOR_COLUMNS).items():
        with duckdb.connect() as con:
            con.execute(FLOOR_TABLE)
            for statement in statements:
                run(con, statement, files)
            tables = {table for (table,) in con.execute("select table_name from duckdb_tables()").fetchall()}
            written = "t" if "t" in tables else "events"
            assert con.execute(f"select count(*) from {written}").fetchone()[0] >= 2, name
            if name == "physical lines, numbered":  # one row per line read; only the two objects inserted
                assert con.execute("select count(*) from scanned").fetchone() == (len(LINES),)
                assert con.execute("select list(event order by event) from events").fetchone() == (["a", "d"],)
