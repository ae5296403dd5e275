"""The land stage: a chunk's readable files into the raw tables, in one transaction (each file all or nothing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from common.transactions import transaction
from loaders.classify import EARLIEST_EVENT_AT
from loaders.find import InputFile, text_of
from loaders.schema import ENVELOPE, quote


@dataclass
class FileResult:
    path: Path
    status: str  # loaded | skipped | failed
    bytes: int = 0
    lines: int = 0
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None
    load_id: int | None = None
    note: str | None = None  # why a file was skipped


def _believed(column: str) -> str:
    """An event time only if it lies in [EARLIEST_EVENT_AT, load time + 1 day] (README "Event time")."""
    return f"case when {column} between timestamp '{EARLIEST_EVENT_AT}' and $now + interval 1 day then {column} end"


_ENVELOPE = ", ".join(quote(key.column) for key in ENVELOPE)
INSERT_EVENTS = f"""
insert into raw.events ({_ENVELOPE}, is_generated_message_id, event_at, event_at_source, extra, load_id,
                        source_file, file_sha256, line_number, record_index)
select
    {_ENVELOPE.replace("message_id", "final_id")}, is_generated_message_id,
    coalesce({_believed('"timestamp"')}, {_believed("received_at")}, default_received_at),
    case when {_believed('"timestamp"')} is not null then 'timestamp'
         when {_believed("received_at")} is not null then 'received_at'
         else 'load_default' end,
    extra, chunk_loads.load_id, source_file, file_sha256, physical_line, record_index
from accepted
inner join chunk_loads using (file_idx)
anti join losers
    on losers.file_idx = accepted.file_idx
   and losers.line_number = accepted.line_number
   and losers.record_index is not distinct from accepted.record_index
"""

INSERT_REJECTS = """
insert into raw.rejected_events
select chunk_loads.load_id, source_file, file_sha256, physical_line, record_index, reason, detail, raw_line,
       raw_bytes
from new_rejects
inner join chunk_loads using (file_idx)
"""

PER_LOAD_COUNTS = """
select chunk_loads.file_idx, chunk_loads.load_id, coalesce(events.n, 0), coalesce(rejects.n, 0)
from chunk_loads
left join (
    select load_id, count(*) as n from raw.events where load_id between $low and $high group by 1
) as events using (load_id)
left join (
    select load_id, count(*) as n from raw.rejected_events where load_id between $low and $high group by 1
) as rejects using (load_id)
"""

LOADS_COLUMNS = (
    "load_id, run_id, source_file, file_sha256, bytes, lines, records, accepted, duplicates, rejected, started_at, "
    "finished_at, status, error, modified_at"
)


def record_failure(con: duckdb.DuckDBPyConnection, run_id: str, result: FileResult, sha: str | None) -> None:
    now = datetime.utcnow()
    result.load_id = con.execute("select nextval('raw.load_id_seq')").fetchone()[0]
    con.execute(
        f"insert into raw.loads ({LOADS_COLUMNS}) values ($1, $2, $3, $4, $5, null, null, 0, 0, 0, $6, $6, 'failed', "
        "$7, null)",
        [result.load_id, run_id, text_of(result.path), sha, result.bytes or None, now, result.error],
    )


def land_chunk(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    files: dict[int, InputFile],
    counts: dict[int, tuple[int, int]],
    started: datetime,
) -> dict[int, FileResult]:
    """Land every readable file of a chunk in one transaction: each file is all or nothing."""
    results = {idx: FileResult(info.path, "loaded", bytes=info.bytes) for idx, info in files.items()}
    if not files:
        return results
    load_ids = [row[0] for row in con.execute(f"select nextval('raw.load_id_seq') from range({len(files)})").fetchall()]
    con.executemany("insert into chunk_loads values (?, ?)", list(zip(files, load_ids, strict=True)))
    with transaction(con):
        con.execute(INSERT_EVENTS, {"now": started})
        if os.environ.get("LOADERS_FAULT_AFTER_EVENTS"):  # fault injection for the crash test
            os._exit(70)
        con.execute(INSERT_REJECTS)
        per_load = con.execute(PER_LOAD_COUNTS, {"low": min(load_ids), "high": max(load_ids)}).fetchall()
        finished = datetime.utcnow()
        rows = []
        for idx, load_id, accepted, rejected in per_load:
            result, info = results[idx], files[idx]
            result.load_id, result.accepted, result.rejected = load_id, accepted, rejected
            result.lines, result.records = counts.get(idx, (0, 0))
            result.duplicates = result.records - accepted - rejected
            rows.append((
                load_id, run_id, info.source_file, info.sha256, info.bytes, result.lines, result.records, accepted,
                result.duplicates, rejected, started, finished, "loaded", None, info.modified_at,
            ))  # fmt: skip
        con.executemany(f"insert into raw.loads ({LOADS_COLUMNS}) values ({', '.join(['?'] * 15)})", rows)
    return results
