"""Settings shared by every command: where the warehouse lives, the loader's limits, DuckDB's resources.

Every value a user may want to change comes from an environment variable (README "Configuration").
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "warehouse.duckdb"

#: Lines longer than this (in bytes, without the newline) are quarantined as ``too_large``.
#: Segment accepts at most 32 KB per call; a Segment-enriched line is a little larger.
#: 1 MiB leaves room for other captures while keeping one bad line from exhausting memory.
MAX_LINE_BYTES = 1024 * 1024

#: JSON nested deeper than this (objects and arrays, the message itself is level 1) is quarantined as
#: ``too_deep``. A Rasa message nests 5 levels at most (``properties.train_schema.nodes.<node>``); 64 is far
#: beyond any real payload and keeps recursive readers (Python's json, Spark's Jackson) well within their limits.
MAX_DEPTH = 64

#: DuckDB storage format of a warehouse file created by the loader, dbt (profiles.yml) or the benchmarks.
#: v1.2.0 is the first with ZSTD for strings, which raw.events uses for its JSON columns; every pinned DuckDB
#: (library and ``duckdb`` shell 1.5.6) reads it. It only applies when a file is created.
STORAGE_VERSION = "v1.2.0"


#: DuckDB's resources: environment variable -> default, for every tool (``profiles.yml`` reads the same
#: variables with the same defaults for dbt; tests/test_spec_sync.py checks that they agree). A 10M-event
#: ``dbt build`` stays under 3 GB peak RSS at 2GB. The loader's own default is lower (LOADER_MEMORY_LIMIT):
#: DuckDB's JSON parsing, its checkpoint's buffers and the loader's Python reading of unclean files lie outside
#: the limit, 400-600 MB of the process at 10M. Measured on 9.8M events (README "Speed", Memory): a 1GB limit
#: peaked at 1.44 GB; 512MB at 0.93-1.04 GB (one checkpoint every LOAD_CHECKPOINT_CHUNKS); 384MB at 0.95 GB, 40%
#: slower.
MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT = "TELEMETRY_DB_MEMORY_LIMIT", "2GB"
LOADER_MEMORY_LIMIT = "512MB"
#: glibc's malloc serves allocations of this many bytes and more with their own mappings in the loader, so
#: memory freed is returned at once. glibc's default threshold rises to the largest block freed (up to 32 MB),
#: so the loader's per-file buffers (a gzip file's text, 20-35 MB at 10M) were reused from the heap and stayed
#: in RSS; fixed at 128 KiB a 9.8M load peaked at 0.78-0.99 GiB instead of 0.93-1.04. ``MALLOC_MMAP_THRESHOLD_``
#: in the environment (glibc's own variable) takes precedence.
LOADER_MMAP_THRESHOLD = 128 * 1024
THREADS_ENV, DEFAULT_THREADS = "TELEMETRY_DB_THREADS", 2
TEMP_DIR_ENV = "TELEMETRY_DB_TEMP_DIR"  # default: <warehouse>.tmp, next to the file


def duckdb_settings(db: Path | None = None, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> dict[str, str | int]:
    """``memory_limit``, ``threads`` and ``temp_directory`` for a connection to the warehouse ``db``;
    ``memory_limit`` is the default when ``$TELEMETRY_DB_MEMORY_LIMIT`` is not set."""
    db = db or warehouse_path()
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or memory_limit,
        "threads": int(os.environ.get(THREADS_ENV) or DEFAULT_THREADS),
        "temp_directory": os.environ.get(TEMP_DIR_ENV) or f"{db}.tmp",
    }


def warehouse_path() -> Path:
    """The warehouse file: ``$TELEMETRY_DB`` or ``warehouse.duckdb`` in the repo root."""
    value = os.environ.get("TELEMETRY_DB")
    return Path(value).expanduser().resolve() if value else DEFAULT_DB


def load_chunk_bytes() -> int:
    """Uncompressed bytes of input read by one parallel scan (``$TELEMETRY_LOAD_CHUNK_MB``, default 256).

    Bounded by *uncompressed* size, so memory is bounded whatever the compression ratio (Segment's gzip
    files are about 1:8).
    """
    return int(float(os.environ.get("TELEMETRY_LOAD_CHUNK_MB") or 256) * 1024 * 1024)


#: Files read by one parallel scan at most.
LOAD_CHUNK_FILES = 256

#: The slow path (loaders.read) re-reads a file DuckDB could not read cleanly in Python while the pool decompresses
#: the next ones: up to this many files ahead, and more than one only while their text fits in the byte budget.
#: At 1M events (4 MB files, 1% bad lines: every file re-read) two ahead took a load from 22.1-22.4 to 21.4-21.5 s;
#: the 20-35 MB files of a 10M archive stay one ahead, so the peak RSS does not grow with them.
SLOW_PATH_AHEAD_FILES, SLOW_PATH_AHEAD_BYTES = 2, 16 * 1024 * 1024

#: The loader checkpoints after every this many chunks (1 GB of text at the default chunk size). A checkpoint
#: merges the partial row groups the chunks' inserts left; one at the end of a 10M load took 17.6 s and peaked
#: above the others (its work grows with the load), four chunks' worth takes about a second.
LOAD_CHECKPOINT_CHUNKS = 4
