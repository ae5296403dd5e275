"""What the hostile, fuzz and resilience tests assert about a warehouse: read only through raw columns that
survive the raw contract's changes (raw.events' envelope columns; all of raw.rejected_events and raw.loads),
and, for "no secret anywhere", every column of every raw table, found through information_schema."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb

from loaders.find import text_of
from tests.corpus_kit import Expect, Item

REPO = Path(__file__).resolve().parent.parent
EVENT_COLUMNS = ("message_id, event, user_id, event_at, event_at_source, received_at, properties, context, load_id, "
                 "source_file, line_number, record_index")  # fmt: skip
JSON_WS = b" \t\r\n"


def cli(db: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m loaders ARGS`` on warehouse ``db``: the real CLI in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "loaders", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        errors="backslashreplace", env={**os.environ, "TELEMETRY_DB": str(db), **(env or {})},
    )  # fmt: skip


Warehouse = Path | duckdb.DuckDBPyConnection  # a file (opened read-only per call) or an open connection


def query(db: Warehouse, sql: str, params: list | dict | None = None) -> list[tuple]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db.execute(sql, params).fetchall()
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def plain_exit(result: subprocess.CompletedProcess, allowed: tuple[int, ...] = (0, 1)) -> list[str]:
    """Problems with how a run ended: an exit status not allowed, or a Python traceback."""
    problems = [] if result.returncode in allowed else [f"exit {result.returncode} not in {allowed}"]
    if "Traceback" in result.stderr or "Traceback" in result.stdout:
        problems.append("a traceback:\n" + result.stderr[-3000:])
    return problems


def identity(db: Warehouse) -> list[str]:
    """Per load: records = accepted + duplicates + rejected, and the rows in raw.* match the counts."""
    rows = query(db, """
        select l.load_id, l.source_file, l.records, l.accepted, l.duplicates, l.rejected,
               (select count(*) from raw.events e where e.load_id = l.load_id),
               (select count(*) from raw.rejected_events r where r.load_id = l.load_id)
        from raw.loads l where status = 'loaded'""")  # fmt: skip
    return [
        f"load {load_id} ({source}): records {records} != {accepted} + {duplicates} + {rejected}, or rows "
        f"{events}/{rejects} != counts"
        for load_id, source, records, accepted, duplicates, rejected, events, rejects in rows
        if records != accepted + duplicates + rejected or (events, rejects) != (accepted, rejected)
    ]


def unique_ids(db: Warehouse) -> list[str]:
    (total, distinct), = query(db, "select count(*), count(distinct message_id) from raw.events")  # fmt: skip
    return [] if total == distinct else [f"message_id not unique: {total} rows, {distinct} ids"]


def leaks(db: Warehouse, secrets: list[str]) -> list[str]:
    """Every (table.column, secret) where a secret appears, in any column of any raw table (cast to text)."""
    if not secrets:
        return []
    columns: dict[str, list[str]] = {}
    for table, column in query(db, "select table_name, column_name from information_schema.columns "
                                   "where table_schema = 'raw' order by table_name, ordinal_position"):  # fmt: skip
        columns.setdefault(table, []).append(f'"{column}"')
    found = []
    for table, names in columns.items():
        everything = f"concat_ws(' ', {', '.join(f'{name}::varchar' for name in names)})"
        hits = query(db, f'select s from unnest($s) as t(s) where exists (select 1 from raw."{table}" '
                         f"where contains({everything}, s))", {"s": secrets})  # fmt: skip
        for (secret,) in hits:
            holders = [
                name
                for name in names
                if query(db, f'select count(*) from raw."{table}" where contains({name}::varchar, $s)', {"s": secret})[
                    0
                ][0]
            ]
            found.append(f"{table}.{'/'.join(holders) or '(across columns)'} holds {secret!r}")
    return found


def snapshot(db: Warehouse) -> dict[str, list[tuple]]:
    """The raw layer without what differs between equal loads (load ids, run ids, clock times)."""
    return {
        "events": query(db, "select message_id, event, user_id, event_at, event_at_source, received_at, "
                            "properties::varchar, context::varchar, source_file, line_number, record_index "
                            "from raw.events order by all"),
        "rejects": query(db, "select * exclude (load_id) from raw.rejected_events order by all"),
        "loads": query(db, "select * exclude (load_id, run_id, started_at, finished_at) from raw.loads "
                           "where status = 'loaded' order by all"),
    }  # fmt: skip


def nonblank_lines(data: bytes) -> dict[int, bytes]:
    """Physical line number -> line (without its CR) of every line that is not blank, as the loader numbers them."""
    body = data[:-1] if data.endswith(b"\n") else data
    lines = (line.rstrip(b"\r") for line in body.split(b"\n")) if body else iter(())
    return {number: line for number, line in enumerate(lines, 1) if line.strip(JSON_WS)}


def check_file(db: Path, source: str, expect: Expect) -> list[str]:
    """Problems with what ``source`` left in the raw layer, against what it must leave (corpus items)."""
    me = f"{source}:"
    loads = query(db, "select status, records, accepted, rejected, duplicates, error from raw.loads "
                      "where source_file = $1", [source])  # fmt: skip
    ids = sorted(row[0] for row in query(db, "select message_id from raw.events where source_file = $1", [source]))
    if expect.status != "loaded":
        problems = [f"{me} landed {ids}"] if ids else []
        if expect.status == "skipped":
            return problems + ([f"{me} skipped, yet in raw.loads: {loads}"] if loads else [])
        if [row[0] for row in loads] != ["failed"] or expect.note not in (loads[0][5] or ""):
            problems.append(f"{me} expected one failed load with error ~ {expect.note!r}, got {loads}")
        return problems
    if [row[:5] for row in loads] != [("loaded", expect.records, expect.accepted, expect.rejected, expect.duplicates)]:
        return [f"{me} raw.loads {loads} != loaded {expect.records} records: {expect.accepted} accepted, "
                f"{expect.rejected} rejected, {expect.duplicates} duplicates"]  # fmt: skip
    problems = [] if ids == sorted(expect.ids) else [f"{me} ids {ids} != {sorted(expect.ids)}"]
    rejects = query(db, "select line_number, reason, detail, raw_line, raw_bytes from raw.rejected_events "
                        "where source_file = $1 order by line_number, record_index", [source])  # fmt: skip
    reasons = Counter(reason for _, reason, _, _, _ in rejects)
    for wanted, count in expect.reasons.items():
        options = wanted.split("|")
        got = sum(reasons.pop(option, 0) for option in options)
        problems += [f"{me} {got} rejects {wanted}, expected {count}"] if got != count else []
    problems += [f"{me} unexpected rejects {dict(reasons)}"] if reasons else []
    by_line = {line: (detail, raw_line, raw_bytes) for line, _, detail, raw_line, raw_bytes in rejects}
    for line, (detail, raw_line, _) in by_line.items():
        problems += [f"{me}{line} reject without raw_line"] if raw_line is None else []
        problems += [f"{me}{line} detail {detail!r} lacks {expect.note!r}"] if expect.note not in (detail or "") else []
    for line, kept in expect.kept.items():
        problems += [f"{me}{line} raw_line {by_line.get(line, (0, None))[1]!r} != {kept!r}"] if by_line.get(
            line, (0, None))[1] != kept else []  # fmt: skip
    for line, kept in expect.kept_bytes.items():
        got = by_line.get(line, (0, None, None))[2]
        problems += [f"{me}{line} raw_bytes {got!r} != {kept.encode('latin-1')!r}"] if got != kept.encode(
            "latin-1") else []  # fmt: skip
    for line, (prefix, suffix) in expect.masked.items():
        problems += _masked(f"{me}{line}", by_line.get(line), prefix.encode("latin-1"), suffix.encode("latin-1"))
    for mid, (event_at, source_of_time) in expect.times.items():
        got = query(db, "select event_at::varchar, event_at_source from raw.events where message_id = $1", [mid])
        problems += [f"{me} {mid} event time {got} != {[(event_at, source_of_time)]}"] if got != [
            (event_at, source_of_time)] else []  # fmt: skip
    return problems


def _masked(where: str, reject: tuple | None, prefix: bytes, suffix: bytes) -> list[str]:
    """A masked reject keeps the line around the writeKey value (in raw_line, and in raw_bytes when kept)."""
    if reject is None:
        return [f"{where} no reject to check the masking of"]
    _, raw_line, raw_bytes = reject
    start, end = (part.decode("utf-8", "backslashreplace") for part in (prefix, suffix))
    problems = []
    if not (raw_line or "").startswith(start) or not (raw_line or "").endswith(end):
        problems.append(f"{where} raw_line {(raw_line or '')[:200]!r} does not keep the line around the value")
    if raw_bytes is not None and not (raw_bytes.startswith(prefix) and raw_bytes.endswith(suffix)):
        problems.append(f"{where} raw_bytes {raw_bytes[:200]!r} does not keep the line around the value")
    return problems


def check_item(db: Path, root: Path, item: Item) -> list[str]:
    problems = []
    for name, expect in item.files.items():
        problems += check_file(db, text_of(root / item.folder / name), expect)
    return problems + leaks(db, item.secrets)
