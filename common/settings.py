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


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def warehouse_path() -> Path:
    """The warehouse file: ``$TELEMETRY_DB`` or ``warehouse.duckdb`` in the repo root."""
    value = os.environ.get("TELEMETRY_DB")
    return Path(value).expanduser().resolve() if value else DEFAULT_DB


def load_chunk_bytes() -> int:
    """Uncompressed bytes of input read by one parallel scan (``$TELEMETRY_LOAD_CHUNK_MB``, default 256).

    Bounded by *uncompressed* size, so memory is bounded whatever the compression ratio (Segment's gzip
    files are about 1:8).
    """
    return int(float(_env("TELEMETRY_LOAD_CHUNK_MB", "256")) * 1024 * 1024)


#: Files read by one parallel scan at most.
LOAD_CHUNK_FILES = 256


def duckdb_config(db_path: Path) -> dict[str, str]:
    """DuckDB's resources for the Python tools (loader, GX runner, benchmarks).

    ``$TELEMETRY_MEMORY_LIMIT`` (default ``1GB``), ``$TELEMETRY_THREADS`` (default: all cores) and
    ``$TELEMETRY_TEMP_DIR`` (default ``<warehouse>.tmp``: where DuckDB spills past the limit).
    """
    return {
        "memory_limit": _env("TELEMETRY_MEMORY_LIMIT", "1GB"),
        "threads": _env("TELEMETRY_THREADS", str(os.cpu_count() or 1)),
        "temp_directory": _env("TELEMETRY_TEMP_DIR", str(db_path) + ".tmp"),
    }
