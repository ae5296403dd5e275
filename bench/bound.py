"""What bounds the loader's throughput: the least a lossless design costs in DuckDB, against the engine.

The raw contract keeps every top-level key of every line, judges each line (unknown keys, the secret at any
depth, strict JSON, depth) and records where it came from (file, line). So a loader must see each line's text or
every key of it, and number the lines, which DuckDB's readers do not do. Each design below is timed doing
*less* than the loader must (the cheapest checks found; no dedup, quarantine, event time or loads table), into
a fresh file like the engine's, in a table shaped like raw.events (ZSTD JSON):

Not numbered (what reading costs; none of these can be the loader):
- re-parse: the text (``read_json_objects``) parsed again into typed columns (``from_json``);
- re-parse + checks: the same with the two checks the contract cannot do without: the key list
  (``json_keys``: unknown keys are kept) and one needle for the secret's key (``ey"``);
- two scans: DuckDB's typed reader (the floor of bench/load.py; it sees no unknown key) and a scan of the text;
- map: every key of every line read as ``MAP(VARCHAR, JSON)``, no typed columns.

Numbered (these bound the loader):
- re-parse + checks, numbered in the scan (``row_number() over ()``: one thread);
- re-parse + checks, numbered by a temp table the scan is written into first (its row order), then inserted;
- the same, with only the text in the temp table and the parsing and checks done reading it back;
- the same, and then every file with a line DuckDB could not read decompressed and split into lines in Python (two
  threads), the least a loader does to keep those lines' bytes and to number a file with blank lines right;
- physical lines: DuckDB's CSV reader reads every line as text, blank ones too (rows with invalid UTF-8 are
  skipped: a loader would need another way for them), into a temp table; then parsed and checked as above;
- two scans, numbered: the typed reader straight into the table, numbered by ``rowid`` afterwards, and the text
  scan's checks numbered by a temp table and joined to it (only sound for files without bad or blank lines).

The engine and each design run ``--repeats`` times, interleaved; medians are compared. Every load also pays the
CLI's start and finish and hashing its files (measured once). If the best numbered design (where files have bad
lines, the best that keeps their bytes) with those stays below the target, no loader built on DuckDB's readers
meets it.
"""

from __future__ import annotations

import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from common.settings import STORAGE_VERSION
from loaders.find import describe
from loaders.schema import ENVELOPE, SQL_TYPE

ND = "format = 'newline_delimited', ignore_errors = true"
_TYPED = "{" + ", ".join(f'"{key.key}": "{SQL_TYPE[key.kind]}"' for key in ENVELOPE) + "}"
_FIELDS = ", ".join(f'env."{key.key}"' for key in ENVELOPE)
_PARSED = f"from_json(json, '{_TYPED}') as env"
_CHECKS = "json_keys(json) as keys, contains(json::varchar, 'ey\"') as secret"
_KEEP_ALL = "where not (secret and len(keys) = 0) and line_number > 0"  # every row, the checks evaluated
#: Not SQL: decompress, in two threads, every file with a line DuckDB could not read and split it into lines
#: (the least a loader does to keep those lines' bytes, and to number a file with blank lines right).
BAD_BYTES = "python: the bad lines' bytes"
#: Every line as text, blank ones too (NULL), so row order is the physical line order: DuckDB's CSV reader.
_LINES = (
    "columns = {'line': 'VARCHAR'}, delim = '\x02', quote = '', escape = '', header = false, auto_detect = false, "
    "strict_mode = false, ignore_errors = true"
)
NUMBERED = (
    "numbered in the scan",
    "numbered by a temp table",
    "numbered by a text table",
    "text table + bad lines' bytes",
    "physical lines, numbered",
    "two scans, numbered",
)
#: The designs that keep the bytes of lines DuckDB cannot read (NULL rows of its JSON reader) and number files with
#: blank lines right (its JSON readers skip them): what counts where files have bad lines.
KEEPS_BAD_LINES = ("text table + bad lines' bytes", "physical lines, numbered")


def designs(engine_columns: str, floor_columns: str) -> dict[str, list[str]]:
    """name -> its statements, timed together; ``events`` is bench/load.py's FLOOR_TABLE, created before."""
    objects = f"read_json_objects($files, {ND})"
    typed = f"read_json($files, {ND}, columns = {floor_columns})"
    return {
        "engine": [f"create table t as select * from read_json($files, {ND}, columns = {engine_columns})"],
        "re-parse": [f"insert into events select {_FIELDS} from (select {_PARSED} from {objects})"],
        "re-parse + checks": [
            f"insert into events select {_FIELDS} from (select 1 as line_number, {_PARSED}, {_CHECKS} from {objects}) "
            + _KEEP_ALL
        ],
        "two scans": [
            f"insert into events select * from {typed}",
            f"select sum(strlen(json::varchar)) from {objects}",
        ],
        "map": [
            f"create table t as select * from read_json($files, {ND}, records = false, "
            "columns = {m: 'MAP(VARCHAR, JSON)'})"
        ],
        "numbered in the scan": [
            f"insert into events select {_FIELDS} from (select row_number() over () as line_number, {_PARSED}, "
            f"{_CHECKS} from {objects}) {_KEEP_ALL}"
        ],
        "numbered by a temp table": [
            f"create temp table scanned as select {_PARSED}, {_CHECKS} from {objects}",
            f"insert into events select {_FIELDS} from (select rowid + 1 as line_number, * from scanned) {_KEEP_ALL}",
        ],
        "numbered by a text table": [
            f"create temp table scanned as select json from {objects}",
            f"insert into events select {_FIELDS} from (select rowid + 1 as line_number, {_PARSED}, {_CHECKS} "
            f"from scanned) {_KEEP_ALL}",
        ],
        "text table + bad lines' bytes": [
            f"create temp table scanned as select filename, json from read_json_objects($files, {ND}, filename = true)",
            f"insert into events select {_FIELDS} from (select rowid + 1 as line_number, {_PARSED}, {_CHECKS} "
            f"from scanned) {_KEEP_ALL}",
            BAD_BYTES,
        ],
        "physical lines, numbered": [
            f"create temp table scanned as select line from read_csv($files, {_LINES})",
            f"insert into events select {_FIELDS} from (select rowid + 1 as line_number, {_PARSED}, {_CHECKS} from "
            "(select try_cast(line as json) as json, rowid from scanned)) " + _KEEP_ALL,
        ],
        "two scans, numbered": [
            "alter table events add column line_number bigint",
            "begin",
            f"insert into events select *, null from {typed}",
            "update events set line_number = rowid + 1",
            f"create temp table checks as select strlen(json::varchar) as line_bytes, {_CHECKS} from {objects}",
            "select count(*) from checks inner join events on events.line_number = checks.rowid + 1 "
            "where secret or len(keys) = 0",
            "commit",
        ],
    }  # fmt: skip


def _time(statements: list[str], files: list[str], floor_table: str, work: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        config = {"storage_compatibility_version": STORAGE_VERSION}
        with duckdb.connect(str(Path(tmp) / "bound.duckdb"), config=config) as con:
            con.execute(floor_table)
            started, cpu = time.perf_counter(), time.process_time()
            for statement in statements:
                run(con, statement, files)
            return time.perf_counter() - started, time.process_time() - cpu


def run(con: duckdb.DuckDBPyConnection, statement: str, files: list[str]) -> None:
    """One step of a design: a statement (given the files where it reads them), or :data:`BAD_BYTES`."""
    if statement != BAD_BYTES:
        con.execute(statement, {"files": files} if "$files" in statement else {}).fetchall()
        return
    unread = [path for (path,) in con.execute("select distinct filename from scanned where json is null").fetchall()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda path: gzip.decompress(Path(path).read_bytes()).split(b"\n"), unread))


def fixed_seconds(files: list[str], work: Path) -> tuple[float, float]:
    """What every load pays besides reading: the CLI's start and finish on a one-line file into a fresh warehouse
    (imports, schema, transaction, close), and hashing the files as the loader does (loaders.find.describe)."""
    line = work / "one.json"
    line.write_text('{"event":"e","userId":"u","messageId":"m"}\n')
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "loaders", "load", str(line), "--db", str(work / "one.duckdb")],
        cwd=Path(__file__).resolve().parent.parent, check=True, capture_output=True,
    )  # fmt: skip
    start = time.perf_counter() - started
    started = time.perf_counter()
    for path in files:
        describe(Path(path))
    return start, time.perf_counter() - started


def bound(
    files: list[str], work: Path, repeats: int, target: float, columns: tuple[str, str, str], bad_lines: bool
) -> float:
    """Print each design's median wall and CPU seconds and its ratio to the engine, and the best numbered design
    against ``target`` (where files have ``bad_lines``, only the designs that keep their bytes); returns its ratio."""
    engine_columns, floor_columns, floor_table = columns
    plan = designs(engine_columns, floor_columns)
    wall: dict[str, list[float]] = {name: [] for name in plan}
    cpu: dict[str, list[float]] = {name: [] for name in plan}
    for _ in range(repeats):
        for name, statements in plan.items():
            seconds, cpu_seconds = _time(statements, files, floor_table, work)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    engine_wall, engine_cpu = statistics.median(wall["engine"]), statistics.median(cpu["engine"])
    print(f"{'design':<30} {'wall s: median (runs)':<26} {'CPU s':>6} {'ratio':>6} {'CPU ratio':>9}")
    for name in plan:
        median_wall, median_cpu = statistics.median(wall[name]), statistics.median(cpu[name])
        runs = " ".join(f"{seconds:.1f}" for seconds in wall[name])
        print(f"{name:<30} {f'{median_wall:.2f} ({runs})':<26} {median_cpu:>6.1f} {engine_wall / median_wall:>6.2f} "
              f"{engine_cpu / median_cpu:>9.2f}", flush=True)  # fmt: skip
    valid = KEEPS_BAD_LINES if bad_lines else NUMBERED
    seconds, name = min((statistics.median(wall[name]), name) for name in valid)
    start, hashing = fixed_seconds(files, work)
    least = seconds + start + hashing
    verdict = "within reach" if engine_wall / least >= target else "out of reach of a loader built on DuckDB's readers"
    print(f"best design that numbers these files' lines right: {name}, {engine_wall / seconds:.2f} of the engine; "
          f"with what every load pays besides (the CLI's start and finish {start:.2f} s, hashing the files "
          f"{hashing:.2f} s): {least:.2f} s, {engine_wall / least:.2f}; target {target}: {verdict}",
          flush=True)  # fmt: skip
    return engine_wall / least
