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

from common import settings
from loaders import temp_tables
from loaders.dedup import find_losers
from loaders.find import InputFile, describe, expand
from loaders.land import FileResult, land_chunk, record_failure
from loaders.read import read_chunk
from loaders.warehouse import connect

__all__ = ["FileResult", "RunSummary", "load"]


@dataclass
class RunSummary:
    run_id: str
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(result, name) for result in self.results)

    def with_status(self, status: str) -> list[FileResult]:
        return [result for result in self.results if result.status == status]


def _chunks(files: list[tuple[int, InputFile]]) -> list[dict[int, InputFile]]:
    """Chunks of whole files, bounded by uncompressed bytes (settings.load_chunk_bytes) and a file count."""
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


def load(
    paths: list[str],
    db_path: Path,
    received_at: datetime | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Load every file under ``paths``; see README "Loading" for the rules."""
    clock = time.perf_counter()
    summary = RunSummary(run_id=uuid.uuid4().hex)
    candidates = expand(paths)
    con = connect(db_path)
    try:
        loaded = {sha for (sha,) in con.execute("select file_sha256 from raw.loads where status = 'loaded'").fetchall()}
        todo: list[tuple[int, InputFile]] = []
        for idx, path in enumerate(candidates):
            try:
                info = describe(path)
            except OSError as error:
                result = FileResult(path, "failed", error=f"{type(error).__name__}: {error.strerror or error}")
                record_failure(con, summary.run_id, result, None)
                summary.results.append(result)
                continue
            if info.sha256 in loaded and not force:
                summary.results.append(FileResult(path, "skipped", bytes=info.bytes))
                if progress:
                    progress(info.bytes)
                continue
            todo.append((idx, info))
        for chunk in _chunks(todo):
            started = datetime.utcnow()
            temp_tables.reset(con)
            con.executemany(
                "insert into chunk_meta values (?, ?, ?, ?)",
                [(idx, str(info.path), info.sha256, received_at or info.modified_at) for idx, info in chunk.items()],
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
                if progress:
                    progress(info.bytes)
    finally:
        con.close()
    summary.seconds = time.perf_counter() - clock
    return summary
