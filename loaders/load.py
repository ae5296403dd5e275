"""``python -m loaders load``: land files in the raw layer, each file in one transaction."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

import duckdb
import pandas as pd

from common import settings
from loaders import stage
from loaders.classify import COUNTS, INSERT_EVENTS, INSERT_REJECTS, LOSERS, PER_LOAD_COUNTS, VIEWS
from loaders.find import InputFile, find, plan, text_of
from loaders.progress import Progress
from loaders.warehouse import connect


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


@dataclass
class RunSummary:
    run_id: str
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    changed: list[Path] = field(default_factory=list)  # --verify: content changed under a known path, size, mtime

    def total(self, name: str) -> int:
        return sum(getattr(result, name) for result in self.results)

    def with_status(self, status: str) -> list[FileResult]:
        return [result for result in self.results if result.status == status]


def _chunks(files: list[tuple[int, InputFile]]) -> list[dict[int, InputFile]]:
    chunks: list[dict[int, InputFile]] = []
    current: dict[int, InputFile] = {}
    size, limit = 0, settings.load_chunk_bytes()
    for idx, info in files:
        text_bytes = info.uncompressed_bytes or info.bytes
        if current and (size + text_bytes > limit or len(current) >= settings.LOAD_CHUNK_FILES):
            chunks.append(current)
            current, size = {}, 0
        current[idx] = info
        size += text_bytes
    if current:
        chunks.append(current)
    return chunks


LOADS_COLUMNS = (
    "load_id, run_id, source_file, file_sha256, bytes, lines, records, accepted, duplicates, rejected, started_at, "
    "finished_at, status, error, modified_at"
)


def _record_failure(con: duckdb.DuckDBPyConnection, run_id: str, result: FileResult, sha: str | None) -> None:
    now = datetime.utcnow()
    result.load_id = con.execute("select nextval('raw.load_id_seq')").fetchone()[0]
    con.execute(
        f"insert into raw.loads ({LOADS_COLUMNS}) values ($1, $2, $3, $4, $5, null, null, 0, 0, 0, $6, $6, 'failed', "
        "$7, null)",
        [result.load_id, run_id, text_of(result.path), sha, result.bytes or None, now, result.error],
    )


def _read_chunk(con: duckdb.DuckDBPyConnection, chunk: dict[int, InputFile]) -> dict[int, str]:
    """Fill ``classified`` for a chunk; returns the files that could not be read, with their error."""
    stage.reset(con)
    failed: dict[int, str] = {}
    try:
        stage.read_fast(con, chunk)
    except duckdb.Error:
        stage.reset(con)
        for idx, info in chunk.items():  # find the culprit(s) one file at a time
            try:
                stage.read_fast(con, {idx: info})
            except duckdb.Error as error:
                failed[idx] = str(error).splitlines()[0]
    readable = {idx: info for idx, info in chunk.items() if idx not in failed}
    rejects: list[stage.Reject] = []
    unclean = stage.unclean_files(con, readable)
    with ThreadPoolExecutor(max_workers=2) as pool:  # decompress the next file while this one is handled
        pending = iter(unclean.items())
        ahead = [(idx, scanned, pool.submit(stage.read_bytes, readable[idx])) for idx, scanned in islice(pending, 2)]
        while ahead:
            idx, scanned, data = ahead.pop(0)
            ahead += [(nxt, more, pool.submit(stage.read_bytes, readable[nxt])) for nxt, more in islice(pending, 1)]
            try:
                rejects += stage.read_slow(con, idx, data.result(), scanned)
            except (OSError, EOFError) as error:
                failed[idx] = f"{type(error).__name__}: {error}"
                con.execute("delete from classified where file_idx = $1", [idx])
    stage.drop_bad_lines(con, [reject.file_idx for reject in rejects])
    stage.store_rejects(con, rejects)
    stage.expand_containers(con)
    stage.classify_staged(con)
    return failed


def _commit_chunk(
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
    con.execute(
        "create or replace temp table chunk_loads as select unnest($idx)::integer as file_idx, unnest($ids) as load_id",
        {"idx": list(files), "ids": load_ids},
    )
    con.execute("begin transaction")
    try:
        con.execute(INSERT_EVENTS)
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return results


def load(
    paths: list[str],
    db_path: Path,
    received_at: datetime | None = None,
    force: bool = False,
    progress: Progress | None = None,
    verify: bool = False,
    wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> RunSummary:
    """Load every file under ``paths``; see README "Loading" for the rules.

    Raises :class:`loaders.find.InputError` (before opening the warehouse) for a path that matches nothing.
    """
    clock = time.perf_counter()
    summary = RunSummary(run_id=uuid.uuid4().hex)
    candidates = find(paths)
    con = connect(db_path, wait=wait, on_wait=on_wait)
    files = None
    try:
        files = plan(con, candidates, force=force, verify=verify)
        summary.changed = files.changed
        for failure in files.failed:
            result = FileResult(failure.path, "failed", bytes=failure.bytes or 0, error=failure.error)
            _record_failure(con, summary.run_id, result, failure.sha256)
            summary.results.append(result)
        for skip in files.skipped:
            summary.results.append(FileResult(skip.path, "skipped", bytes=skip.bytes, note=skip.reason))
        todo = list(enumerate(files.load))
        if progress:
            progress.set_total(sum(info.bytes for info in files.load))
        for chunk in _chunks(todo):
            started = datetime.utcnow()
            failed = _read_chunk(con, chunk)
            meta = pd.DataFrame(
                {
                    "file_idx": list(chunk),
                    "source_file": [info.source_file for info in chunk.values()],
                    "file_sha256": [info.sha256 for info in chunk.values()],
                    "default_received_at": [received_at or info.modified_at or started for info in chunk.values()],
                }
            )
            con.register("meta_frame", meta)
            con.execute("create or replace temp table chunk_meta as select * from meta_frame")
            con.unregister("meta_frame")
            con.execute(VIEWS)
            con.execute(LOSERS)
            counts = {idx: (lines, records) for idx, lines, records in con.execute(COUNTS).fetchall()}
            readable = {idx: info for idx, info in chunk.items() if idx not in failed}
            landed = _commit_chunk(con, summary.run_id, readable, counts, started)
            for idx, info in chunk.items():
                if idx in failed:
                    result = FileResult(info.path, "failed", bytes=info.bytes, error=failed[idx])
                    _record_failure(con, summary.run_id, result, info.sha256)
                else:
                    result = landed[idx]
                summary.results.append(result)
                if progress:
                    progress(info.bytes)
    finally:
        con.close()
        if files is not None:
            files.close()
    summary.seconds = time.perf_counter() - clock
    return summary
