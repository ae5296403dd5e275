"""The loader on real DuckDB files: input shapes, quarantine, dedup, idempotence, atomicity, locking."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from common.settings import MAX_DEPTH, MAX_LINE_BYTES

REPO = Path(__file__).resolve().parent.parent
USER = "37696a59d4d84e4bbeeda0fc7ad4cd92"
CONTEXT = {"os": {"name": "Linux", "version": "5.4.0"}, "ci": False, "project": None, "python": "3.8.12",
           "rasa_open_source": "2.8.34", "cpu": 8, "docker": False, "directory": "ab" * 32}  # fmt: skip


def message(n: int, event: str = "Shell Started", received: str = "2021-11-03T09:25:13.777Z", **extra) -> dict:
    body = {"context": CONTEXT, "event": event, "messageId": f"api-{n:027d}",
            "properties": {"type": "rasa", "metrics_id": USER}, "receivedAt": received,
            "timestamp": received, "type": "track", "userId": USER}  # fmt: skip
    body.update(extra)
    return body


def line(n: int, **kwargs) -> str:
    return json.dumps(message(n, **kwargs), separators=(",", ":"))


def write(path: Path, lines: list[str | bytes], gz: bool = False) -> Path:
    data = b"".join((item if isinstance(item, bytes) else item.encode()) + b"\n" for item in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def run(db: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", *args],
        cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "TELEMETRY_DB": str(db), **(env or {})},
    )  # fmt: skip


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def everything_stored(db: Path) -> str:
    """Every value of every raw table, as one text (columns found generically, so new ones are covered)."""
    columns = query(db, "select table_name, column_name from duckdb_columns() where schema_name = 'raw'")
    parts = [f"(select coalesce(string_agg({column}::varchar, ''), '') from raw.{table})" for table, column in columns]
    return query(db, "select " + " || ".join(parts))[0][0]


def identity_holds(db: Path) -> None:
    """Nothing vanishes: per file, records = accepted + duplicates + rejected, and rows match the counts."""
    rows = query(db, """
        select l.load_id, l.records, l.accepted, l.duplicates, l.rejected,
               (select count(*) from raw.events e where e.load_id = l.load_id),
               (select count(*) from raw.rejected_events r where r.load_id = l.load_id)
        from raw.loads l where status = 'loaded'""")  # fmt: skip
    assert rows
    for _, records, accepted, duplicates, rejected, events, rejects in rows:
        assert records == accepted + duplicates + rejected
        assert (events, rejects) == (accepted, rejected)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def test_help_of_every_command() -> None:
    for args in ([], ["load"]):
        result = subprocess.run([sys.executable, "-m", "loaders", *args, "--help"], cwd=REPO,
                                capture_output=True, text=True)  # fmt: skip
        assert result.returncode == 0 and "usage:" in result.stdout


def test_plain_and_gzipped_ndjson_with_exact_line_numbers(db: Path, tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.jsonl", [line(1), "", "  ", line(2)])  # blank lines count for numbering
    write(tmp_path / "in" / "b.ndjson.gz", [line(3), line(4)], gz=True)
    (tmp_path / "in" / "c.json").write_bytes((line(5) + "\r\n" + line(6) + "\r\n").encode())  # CRLF
    result = run(db, "load", str(tmp_path / "in"))
    assert result.returncode == 0, result.stderr
    assert "3 files loaded" in result.stdout and "6 accepted" in result.stdout
    got = query(db, "select message_id, line_number from raw.events order by 1")
    assert [number for _, number in got] == [1, 4, 1, 2, 1, 2]
    assert query(db, "select sum(lines) from raw.loads")[0][0] == 6
    identity_holds(db)


def test_blank_and_bad_lines_among_duckdbs_rows_keep_physical_line_numbers(tmp_path: Path) -> None:
    """A file with blank lines keeps DuckDB's rows, shifted past the blank lines (loaders.read._rows_stand);
    only its bad lines are read in Python. Same rows as the forced slow path, which reads every line."""
    lines = ["", line(1), "", " \t ", line(2), "  " + line(3) + " ", "{not json", "", line(4) + "\r", b"\xff", line(5)]
    write(tmp_path / "in" / "a.jsonl.gz", lines, gz=True)
    got = {}
    for name, env in (("fast", {}), ("slow", {"LOADERS_FORCE_SLOW_PATH": "1"})):
        db = tmp_path / f"{name}.duckdb"
        assert run(db, "load", str(tmp_path / "in"), env=env).returncode == 0
        got[name] = (
            query(db, "select message_id, line_number from raw.events order by 2"),
            query(db, "select line_number, reason, raw_line from raw.rejected_events order by 1"),
            query(db, "select lines, records, accepted, rejected from raw.loads"),
        )
        identity_holds(db)
    events, rejects, loads = got["fast"]
    assert [number for _, number in events] == [2, 5, 6, 9, 11]
    assert [(number, reason) for number, reason, _ in rejects] == [(7, "invalid_json"), (10, "invalid_utf8")]
    assert loads == [(7, 7, 5, 2)]
    assert got["fast"] == got["slow"]


def test_control_whitespace_around_a_line_is_not_kept_when_duckdb_reads_it_on_both_paths(tmp_path: Path) -> None:
    """A tab or CR around a line's value is JSON whitespace (README "Bytes before JSON"): a reject of a line DuckDB
    reads (here ``-Infinity``, which only strict JSON refuses; a CR inside a line too deep) keeps the value's text;
    an unreadable line is kept whole, bytes included. The forced slow path read such lines strictly at once and kept
    them whole (found by the fuzz)."""
    deep = '{"d":\r' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "," + line(6)[1:]
    lines = [line(1), "\r" + '{"x":-Infinity,' + line(2)[1:], "\t" + line(3) + "\t", "\t{not json", line(5), deep]
    write(tmp_path / "in" / "a.jsonl", lines)
    got = {}
    for name, env in (("fast", {}), ("slow", {"LOADERS_FORCE_SLOW_PATH": "1"})):
        db = tmp_path / f"{name}.duckdb"
        assert run(db, "load", str(tmp_path / "in"), env=env).returncode == 0
        got[name] = query(db, "select line_number, reason, detail, raw_line, raw_bytes from raw.rejected_events "
                              "order by 1")  # fmt: skip
        identity_holds(db)
    value = '{"x":-Infinity,' + line(2)[1:]
    assert [row[:2] for row in got["fast"]] == [(2, "invalid_json"), (4, "invalid_json"), (6, "too_deep")]
    assert [(row[3], row[4]) for row in got["fast"]] == [(value, None), ("\t{not json", b"\t{not json"), (deep, None)]
    assert got["slow"] == got["fast"]


def test_a_file_duckdb_reads_no_row_of_is_read_in_python_losing_nothing(db: Path, tmp_path: Path) -> None:
    """DuckDB 1.5's reader returns no row for a one-byte file without a newline (``4``) when it is scanned alone
    (beside other files it reads it); such a file is read in Python and its line kept, here rejected."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.ndjson").write_bytes(b"4")
    assert run(db, "load", str(tmp_path / "in" / "a.ndjson")).returncode == 0
    assert query(db, "select line_number, reason, raw_line from raw.rejected_events") == [(1, "not_an_object", "4")]
    assert query(db, "select lines, records, rejected from raw.loads") == [(1, 1, 1)]
    identity_holds(db)


def test_envelope_columns_and_lossless_message(db: Path, tmp_path: Path) -> None:
    original = message(1, event="Training Completed", properties={"training_id": "t1", "runtime": 0})
    write(tmp_path / "a.json", [json.dumps(original)])
    assert run(db, "load", str(tmp_path / "a.json")).returncode == 0
    (mid, event, user, event_at, source, received, mtype, props, context, msg) = query(db, """
        select message_id, event, user_id, event_at::varchar, event_at_source, received_at::varchar,
               message_type, properties, context, message from raw.events inner join raw.messages using (message_id)
        """)[0]  # fmt: skip
    assert (mid, event, user, mtype, source) == ("api-" + "0" * 26 + "1", "Training Completed", USER, "track",
                                                 "timestamp")  # fmt: skip
    assert event_at == received == "2021-11-03 09:25:13.777"
    assert json.loads(props) == {"training_id": "t1", "runtime": 0}
    assert json.loads(context) == CONTEXT and json.loads(msg) == original


def test_json_null_properties_and_context_stay_json_null(db: Path, tmp_path: Path) -> None:
    """A JSON null is stored as JSON null; only an absent key is SQL NULL (both are accepted)."""
    nulls = message(1, properties=None, context=None)
    absent = {key: value for key, value in message(2).items() if key not in ("properties", "context")}
    write(tmp_path / "a.json", [json.dumps(nulls), json.dumps(absent), line(3)])
    assert run(db, "load", str(tmp_path / "a.json")).returncode == 0
    got = query(db, "select line_number, properties, context, json_type(properties) from raw.events order by 1")
    assert got[:2] == [(1, "null", "null", "NULL"), (2, None, None, None)]
    assert json.loads(got[2][1]) == {"type": "rasa", "metrics_id": USER}


def test_bare_rasa_payloads_get_deterministic_ids_and_the_default_time(db: Path, tmp_path: Path) -> None:
    bare = {"userId": USER, "event": "Telemetry Disabled", "properties": {"metrics_id": USER}, "context": CONTEXT}
    path = write(tmp_path / "debug.jsonl", [json.dumps(bare), json.dumps(bare)])
    assert run(db, "load", str(path), "--received-at", "2024-05-01T12:00:00Z").returncode == 0
    rows = query(db, "select message_id, is_generated_message_id, event_at::varchar, event_at_source, "
                     "received_at from raw.events order by line_number")  # fmt: skip
    assert len(rows) == 2 and rows[0][0] != rows[1][0]  # two sends, two events
    assert all(r[1] and r[2] == "2024-05-01 12:00:00" and r[3] == "load_default" and r[4] is None for r in rows)
    first_ids = {r[0] for r in rows}
    db2 = tmp_path / "other.duckdb"
    assert run(db2, "load", str(path)).returncode == 0
    assert {r[0] for r in query(db2, "select message_id from raw.events")} == first_ids  # deterministic
    assert "2 duplicates" in run(db, "load", str(path), "--force").stdout


def test_event_time_falls_back_to_received_at_and_mtime(db: Path, tmp_path: Path) -> None:
    no_ts = message(1)
    del no_ts["timestamp"]
    path = write(tmp_path / "a.jsonl", [json.dumps(no_ts), json.dumps({"userId": USER, "event": "X"})])
    os.utime(path, (1_600_000_000, 1_600_000_000))
    assert run(db, "load", str(path)).returncode == 0
    assert query(db, "select event_at_source, event_at::varchar from raw.events order by line_number") == [
        ("received_at", "2021-11-03 09:25:13.777"),
        ("load_default", "2020-09-13 12:26:40"),
    ]


def test_json_array_file_and_segment_batch_body(db: Path, tmp_path: Path) -> None:
    (tmp_path / "array.json").write_text(json.dumps([message(1), message(2)], indent=2))
    batch = {"batch": [{**message(3), "context": {"cpu": 2}}, message(4, event="Rasa X Local Started")],
             "context": {"library": {"name": "analytics-python"}, "cpu": 16}, "writeKey": "secret"}  # fmt: skip
    (tmp_path / "batch.json").write_text(json.dumps(batch, indent=2))
    write(tmp_path / "lines.ndjson", [json.dumps([message(5), 7])])  # an array on one NDJSON line
    result = run(db, "load", str(tmp_path / "array.json"), str(tmp_path / "batch.json"),
                 str(tmp_path / "lines.ndjson"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = dict(query(db, "select message_id, context from raw.events"))
    assert len(rows) == 5
    merged = json.loads(rows["api-" + "0" * 26 + "3"])
    assert merged["cpu"] == 2 and merged["library"] == {"name": "analytics-python"}  # element wins, top fills
    assert query(db, "select reason, record_index from raw.rejected_events") == [("not_an_object", 1)]
    assert "secret" not in everything_stored(db)
    identity_holds(db)


def test_every_reject_reason_is_quarantined_with_its_line(db: Path, tmp_path: Path) -> None:
    huge = json.dumps(message(9, properties={"pad": "x" * (MAX_LINE_BYTES + 10)}))
    lines: list[str | bytes] = [
        line(1), '{"event": "Shell Started", "userId": ', "42", '"just a string"',
        json.dumps({"userId": USER, "type": "identify"}), json.dumps({"event": "Shell Started"}),
        b'{"event": "Shell \xff Started"}', huge, json.dumps({**message(2), "event": ""}), line(3),
    ]  # fmt: skip
    path = write(tmp_path / "bad.jsonl.gz", lines, gz=True)
    result = run(db, "load", str(path))
    assert result.returncode == 0, result.stderr
    rejects = query(db, "select line_number, reason, detail from raw.rejected_events order by 1")
    assert [(n, reason) for n, reason, _ in rejects] == [
        (2, "invalid_json"), (3, "not_an_object"), (4, "not_an_object"), (5, "missing_event"),
        (6, "missing_user_id"), (7, "invalid_utf8"), (8, "too_large"), (9, "missing_event"),
    ]  # fmt: skip
    assert all(detail for _, _, detail in rejects)
    raw = query(db, "select raw_bytes from raw.rejected_events where reason = 'invalid_utf8'")[0][0]
    assert raw == b'{"event": "Shell \xff Started"}'  # kept byte for byte
    assert query(db, "select line_number from raw.events order by 1") == [(1,), (10,)]
    assert query(db, "select lines, accepted, rejected from raw.loads") == [(10, 2, 8)]
    identity_holds(db)


def test_dedup_inside_a_file_and_across_files_first_received_wins(db: Path, tmp_path: Path) -> None:
    early, late = "2021-11-03T09:00:00.000Z", "2021-11-03T10:00:00.000Z"
    write(tmp_path / "d1" / "a.jsonl", [line(1, received=late, event="Late Copy"), line(2), line(2)])
    write(tmp_path / "d1" / "b.jsonl", [line(1, received=early, event="Early Copy"), line(3)])
    assert run(db, "load", str(tmp_path / "d1")).returncode == 0
    assert query(db, "select count(*), count(distinct message_id) from raw.events") == [(3, 3)]
    assert query(db, "select event from raw.events where message_id like '%1'") == [("Early Copy",)]
    write(tmp_path / "d2" / "c.jsonl", [line(3), line(4)])  # a later load: 3 is already there
    result = run(db, "load", str(tmp_path / "d2"))
    assert "1 accepted, 1 duplicates" in result.stdout
    identity_holds(db)


def test_reloading_adds_nothing_and_says_so(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl.gz", [line(1), line(2), "not json"], gz=True)
    assert run(db, "load", str(path)).returncode == 0
    before = query(db, "select (select count(*) from raw.events), (select count(*) from raw.rejected_events)")
    again = run(db, "load", str(path))
    assert "0 files loaded, 1 skipped (already loaded)" in again.stdout
    forced = run(db, "load", str(path), "--force")
    assert "0 accepted, 3 duplicates, 0 rejected" in forced.stdout
    assert query(db, "select (select count(*) from raw.events), (select count(*) from raw.rejected_events)") == before
    identity_holds(db)


def test_a_file_that_fails_midway_leaves_nothing_and_loads_next_time(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", [line(1), line(2)])
    crashed = run(db, "load", str(path), env={"LOADERS_FAULT_AFTER_EVENTS": "1"})
    assert crashed.returncode == 70  # died inside the file's transaction, after inserting its events
    assert query(db, "select (select count(*) from raw.events), (select count(*) from raw.loads)") == [(0, 0)]
    assert "1 files loaded" in run(db, "load", str(path)).stdout
    assert query(db, "select count(*) from raw.events") == [(2,)]


def test_unreadable_files_are_recorded_failed_and_the_rest_loads(db: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "in" / "good.jsonl", [line(1)])
    truncated = write(tmp_path / "in" / "broken.json.gz", [line(n) for n in range(2, 500)], gz=True)
    truncated.write_bytes(truncated.read_bytes()[:-40])
    result = run(db, "load", str(tmp_path / "in"), str(tmp_path / "missing.jsonl"))
    assert result.returncode == 1
    assert "2 failed" in result.stdout and "broken.json.gz" in result.stdout and "missing.jsonl" in result.stdout
    assert query(
        db,
        "select source_file like '%missing.jsonl', status, error is not null from raw.loads "
        "where status = 'failed' order by 1",
    ) == [(False, "failed", True), (True, "failed", True)]
    assert query(db, "select count(*) from raw.events") == [(1,)]  # the good file loaded
    assert run(db, "load", "/nonexistent/*.jsonl").returncode == 2  # a glob matching nothing is a usage error
    assert good.exists()


def test_a_warehouse_held_by_another_process(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", [line(1)])
    assert run(db, "load", str(path)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ok"
        before = db.read_bytes()
        result = run(db, "load", str(write(tmp_path / "b.jsonl", [line(2)])))
        assert result.returncode == 3
        assert str(db) in result.stderr and "in use by another process" in result.stderr
        assert db.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    assert query(db, "select count(*) from raw.events") == [(1,)]


def test_write_key_is_never_stored(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", [line(1, writeKey="TOPSECRETKEY"), line(2)])
    assert run(db, "load", str(path)).returncode == 0
    dump = everything_stored(db)
    assert "TOPSECRETKEY" not in dump and "writeKey" not in dump
    assert query(db, "select count(*) from raw.events") == [(2,)]


def test_line_numbers_of_a_parallel_multi_file_load(db: Path, tmp_path: Path) -> None:
    """Files of thousands of lines are read in parallel; every row still names its own physical line."""
    archive = tmp_path / "archive"
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--events", "40000", "--days", "1", "--seed", "7", "--out", str(archive)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert run(db, "load", str(archive / "segment-logs")).returncode == 0
    files = sorted((archive / "segment-logs").rglob("*.gz"))
    assert len(files) > 4
    landed = query(db, "select source_file, line_number, message_id from raw.events")
    lines = {str(path): gzip.decompress(path.read_bytes()).decode().splitlines() for path in files}
    assert max(len(text) for text in lines.values()) > 3 * 2048  # several DuckDB vectors per file
    for source_file, line_number, message_id in landed:
        assert json.loads(lines[source_file][line_number - 1])["messageId"] == message_id
    duplicates = query(db, "select sum(duplicates) from raw.loads")[0][0]
    assert len(landed) + duplicates == sum(len(text) for text in lines.values())
    identity_holds(db)


def test_a_warehouse_from_an_older_loader_is_refused_plainly(db: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(db)) as con:  # the raw.events of the previous loader: derived JSON columns
        con.execute("""create schema raw; create table raw.events (message_id varchar, message json,
            properties json generated always as (json_extract(message, '$.properties')) virtual)""")  # fmt: skip
    result = run(db, "load", str(write(tmp_path / "a.jsonl", [line(1)])))
    assert result.returncode == 2 and "older loader" in result.stderr and "Traceback" not in result.stderr
    assert query(db, "select count(*) from raw.events") == [(0,)]


#: raw.events as the loader before the content + lineage layout made it (commit e21b4f2, loaders/schema.py).
WHOLE_MESSAGE_DDL = """
create schema raw;
create sequence raw.load_id_seq start 1;
create table raw.loads (load_id bigint primary key, run_id varchar not null, source_file varchar not null,
    file_sha256 varchar, bytes bigint, lines bigint, records bigint, accepted bigint, duplicates bigint,
    rejected bigint, started_at timestamp not null, finished_at timestamp, status varchar not null, error varchar);
create table raw.events (message_id varchar not null, event varchar not null, user_id varchar not null,
    event_at timestamp not null, event_at_source varchar not null, received_at timestamp, message_type varchar,
    message json not null, properties json, context json, is_generated_message_id boolean not null,
    load_id bigint not null, source_file varchar not null, line_number bigint not null, record_index integer);
create table raw.rejected_events (load_id bigint not null, source_file varchar not null,
    file_sha256 varchar not null, line_number bigint not null, record_index integer, reason varchar not null,
    detail varchar, raw_line varchar, raw_bytes blob);
"""


def test_a_whole_message_warehouse_is_migrated_in_place_losing_nothing(db: Path, tmp_path: Path) -> None:
    odd = {"zeta": [1, {"b": None}], **message(2), "version": "2", "timestamp": "2021-11-03T09:25:13Z"}
    messages = [message(1, event="Training Completed"), odd, {**message(3), "context": None}]
    with duckdb.connect(str(db)) as con:
        con.execute(WHOLE_MESSAGE_DDL)
        con.execute("insert into raw.loads values (nextval('raw.load_id_seq'), 'r', 'old.jsonl', 'abc', 1, 3, 3, "
                    "3, 0, 0, now(), now(), 'loaded', null)")  # fmt: skip
        for number, body in enumerate(messages, 1):
            con.execute(
                "insert into raw.events values ($1, $2, $3, '2021-11-03 09:25:13.777', 'timestamp', "
                "'2021-11-03 09:25:13.777', 'track', $4, $4::json -> '$.properties', $4::json -> '$.context', false, "
                "1, 'old.jsonl', $5, null)",
                [body["messageId"], body["event"], body["userId"], json.dumps(body), number],
            )
    result = run(db, "load", str(write(tmp_path / "new.jsonl", [line(4)])))
    assert result.returncode == 0, result.stderr
    assert "migrated raw.events" in result.stderr and "3 rows" in result.stderr and "Traceback" not in result.stderr
    rebuilt = query(db, "select line_number, message from raw.messages where load_id = 1 order by 1")
    assert [json.loads(text) for _, text in rebuilt] == messages
    assert query(db, "select count(*), count(distinct file_sha256) from raw.events") == [(4, 2)]
    assert not query(db, "select 1 from duckdb_columns() where table_name = 'events' and column_name = 'message'")
