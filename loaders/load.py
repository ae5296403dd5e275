"""``python -m loaders load``: the pipeline's stages, chunk by chunk.

find (loaders.find: which files, which are known) -> read (loaders.read: a chunk into ``classified``) ->
dedup (loaders.dedup: ``losers``) -> land (loaders.land: one transaction). The temp tables passed between
them are declared in loaders.temp_tables.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from common import settings
from common.progress import Progress
from loaders import temp_tables
from loaders.dedup import find_losers
from loaders.find import InputFile, Plan, find, plan
from loaders.land import FileResult, land_chunk, record_failure
from loaders.read import read_chunk
from loaders.warehouse import connect

__all__ = ["FileResult", "RunSummary", "load"]


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


def chunks(files: list[tuple[int, InputFile]]) -> list[dict[int, InputFile]]:
    """Chunks of whole files, bounded by uncompressed bytes (settings.load_chunk_bytes) and a file count."""
    found: list[dict[int, InputFile]] = []
    current: dict[int, InputFile] = {}
    size, limit = 0, settings.load_chunk_bytes()
    for idx, info in files:
        text_bytes = info.text_bytes
        if current and (size + text_bytes > limit or len(current) >= settings.LOAD_CHUNK_FILES):
            found.append(current)
            current, size = {}, 0
        current[idx] = info
        size += text_bytes
    if current:
        found.append(current)
    return found


def _record_planned(con: duckdb.DuckDBPyConnection, files: Plan, summary: RunSummary) -> None:
    """What the find stage decided without reading: failed files are recorded, skipped ones reported."""
    summary.changed = files.changed
    for failure in files.failed:
        result = FileResult(failure.path, "failed", bytes=failure.bytes or 0, error=failure.error)
        record_failure(con, summary.run_id, result, failure.sha256)
        summary.results.append(result)
    for skip in files.skipped:
        summary.results.append(FileResult(skip.path, "skipped", bytes=skip.bytes, note=skip.reason))


def _load_chunk(
    con: duckdb.DuckDBPyConnection, chunk: dict[int, InputFile], summary: RunSummary, received_at: datetime | None
) -> None:
    """read -> dedup -> land for one chunk; files that could not be read are recorded as failed."""
    started = datetime.utcnow()
    temp_tables.reset(con)
    con.executemany(
        "insert into chunk_meta values (?, ?, ?, ?)",
        [
            (idx, info.source_file, info.sha256, received_at or info.modified_at or started)
            for idx, info in chunk.items()
        ],
    )
    failed = read_chunk(con, chunk)
    counts = find_losers(con)
    readable = {idx: info for idx, info in chunk.items() if idx not in failed}
    landed = land_chunk(con, summary.run_id, readable, counts, started)
    for idx, info in chunk.items():
        if idx in failed:
            result = FileResult(info.path, "failed", bytes=info.bytes, error=failed[idx])
            record_failure(con, summary.run_id, result, info.sha256)
        else:
            result = landed[idx]
        summary.results.append(result)


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
        _record_planned(con, files, summary)
        if progress:
            progress.set_total(sum(info.bytes for info in files.load))
        for number, chunk in enumerate(chunks(list(enumerate(files.load))), 1):
            _load_chunk(con, chunk, summary, received_at)
            if number % settings.LOAD_CHECKPOINT_CHUNKS == 0:  # bounded work per checkpoint (settings)
                con.execute("checkpoint")
            if progress:
                progress(sum(info.bytes for info in chunk.values()))
    finally:
        con.close()
        if files is not None:
            files.close()
    summary.seconds = time.perf_counter() - clock
    return summary
