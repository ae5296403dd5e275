"""Settings shared by every command: where the warehouse lives and the loader's limits."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "warehouse.duckdb"

#: Lines longer than this (in bytes, without the newline) are quarantined as ``too_large``.
#: Segment accepts at most 32 KB per call; a Segment-enriched line is a little larger.
#: 1 MiB leaves room for other captures while keeping one bad line from exhausting memory.
MAX_LINE_BYTES = 1024 * 1024

#: DuckDB storage format of a warehouse file created by the loader, dbt (profiles.yml) or the benchmarks.
#: v1.2.0 is the first with ZSTD for strings, which raw.events uses for ``message``; every pinned DuckDB
#: (library and ``duckdb`` shell 1.5.6) reads it. It only applies when a file is created.
STORAGE_VERSION = "v1.2.0"


#: DuckDB's resources, for dbt (``profiles.yml`` reads the same variables with the same defaults) and the
#: benchmarks: environment variable -> default. A 10M-event ``dbt build`` stays under 3 GB peak RSS at 2GB.
MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT = "TELEMETRY_DB_MEMORY_LIMIT", "2GB"
THREADS_ENV, DEFAULT_THREADS = "TELEMETRY_DB_THREADS", 2
TEMP_DIR_ENV = "TELEMETRY_DB_TEMP_DIR"  # default: <warehouse>.tmp, next to the file


def duckdb_settings(db: Path | None = None) -> dict[str, str | int]:
    """``memory_limit``, ``threads`` and ``temp_directory`` for a connection to the warehouse ``db``."""
    db = db or warehouse_path()
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
        "threads": int(os.environ.get(THREADS_ENV, DEFAULT_THREADS)),
        "temp_directory": os.environ.get(TEMP_DIR_ENV, f"{db}.tmp"),
    }


def warehouse_path() -> Path:
    """The warehouse file: ``$TELEMETRY_DB`` or ``warehouse.duckdb`` in the repo root."""
    value = os.environ.get("TELEMETRY_DB")
    return Path(value).expanduser().resolve() if value else DEFAULT_DB
