"""The archive writer: encodes and gzips each window's file in a pool of worker processes.

The generator (one process, it owns the random stream) hands over a window as soon as it is complete: a list
of items, each a record to encode or the bytes of a bad line, pickled at once so a waiting window costs a few
MB of bytes rather than its objects. Workers turn records into Segment lines
(``generator.envelope``), gzip them and write the file, so JSON encoding and compression run on the other
cores while the generator makes the next windows. At most ``2 * workers`` windows are in flight, which bounds
memory. Output does not depend on the number of workers: a file's bytes follow from its items alone.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType

from generator import manifest
from generator.envelope import LineEncoder, ksuid

#: A record to encode: (received_at_ms, event, properties, user_id, context_json, message id bits, writeKey or "").
Item = tuple[int, str, dict, str, str, int, str] | bytes
#: gzip level. On these lines (CPU time, 10 MB): level 6 (gzip's default) 112 MB/s, ratio 0.112; level 5
#: 142 MB/s, 0.117 (4% larger files for 20% less gzip time, the writer's largest cost); level 3 227 MB/s, 0.140.
COMPRESS_LEVEL = 5
CHUNK_LINES = 4096  # lines encoded and compressed at a time


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def write_file(path: str, items: list[Item], source_id: str) -> int:
    """Encode, gzip and write one archive file, CHUNK_LINES at a time; returns its uncompressed size."""
    encoder, size = LineEncoder(source_id), 0
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0) as out,
    ):
        for at in range(0, len(items), CHUNK_LINES):
            lines = []
            for item in items[at : at + CHUNK_LINES]:
                if type(item) is bytes:
                    lines.append(item)
                else:
                    ms, event, props, user_id, context_json, bits, write_key = item
                    line = encoder.line(ms, event, props, user_id, context_json, ksuid(ms, bits), write_key)
                    lines.append(line.encode())
            chunk = b"\n".join(lines) + b"\n"
            out.write(chunk)
            size += len(chunk)
    return size


def write_pickled(path: str, blob: bytes, source_id: str) -> int:
    """:func:`write_file` for items pickled by the generator (so it holds bytes, not objects, while they wait)."""
    return write_file(path, pickle.loads(blob), source_id)


def clear_previous(out: Path) -> None:
    """Delete the archive a previous run wrote to ``out``; refuse to mix with archives from elsewhere."""
    for rel in manifest.previous_files(out):
        (out / rel).unlink(missing_ok=True)
    (out / manifest.NAME).unlink(missing_ok=True)
    foreign = sorted((out / "segment-logs").rglob("*.gz")) if (out / "segment-logs").exists() else []
    if foreign:
        raise FileExistsError(f"{out}/segment-logs already holds archives not written by this generator: {foreign[0]}")


class ArchiveWriter:
    """``with ArchiveWriter(...) as writer: writer.write(rel, items, messages)``; on error, removes its files."""

    def __init__(self, out: Path, source_id: str, workers: int, progress: Callable[[int], None] | None = None) -> None:
        clear_previous(out)
        self.out, self.source_id, self.progress = out, source_id, progress
        self.pool = (
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 0 else None
        )
        self.in_flight = 2 * max(workers, 1)
        self.pending: deque[tuple[Future[int], int]] = deque()
        self.written: list[Path] = []

    def __enter__(self) -> ArchiveWriter:
        return self

    def write(self, rel: str, items: list[Item], messages: int) -> None:
        """Write ``items`` to ``out/rel``; ``messages`` (its distinct messages) goes to ``progress`` when done."""
        path = self.out / rel
        self.written.append(path)
        if self.pool is None:
            write_file(str(path), items, self.source_id)
            self._done(messages)
            return
        blob = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self.pending.append((self.pool.submit(write_pickled, str(path), blob, self.source_id), messages))
        while len(self.pending) > self.in_flight:
            self._collect()

    def _collect(self) -> None:
        future, messages = self.pending.popleft()
        future.result()
        self._done(messages)

    def _done(self, messages: int) -> None:
        if self.progress:
            self.progress(messages)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        failed = kind is not None
        try:
            while not failed and self.pending:
                self._collect()
        except BaseException:
            failed = True
            raise
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=failed)
            if failed:
                for path in self.written:
                    path.unlink(missing_ok=True)
