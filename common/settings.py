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

#: Valid JSON nested deeper than this many levels (objects and arrays) is to be quarantined as ``too_deep``
#: (planned: the reason joins ``common.reasons.REJECT_REASONS`` when the loader checks it). A Rasa message
#: nests 5 levels at most (``properties.train_schema.nodes.<node>``).
MAX_DEPTH = 64

#: DuckDB storage format of a warehouse file created by the loader, dbt (profiles.yml) or the benchmarks.
#: v1.2.0 is the first with ZSTD for strings, which raw.events uses for ``message``; every pinned DuckDB
#: (library and ``duckdb`` shell 1.5.6) reads it. It only applies when a file is created.
STORAGE_VERSION = "v1.2.0"


def warehouse_path() -> Path:
    """The warehouse file: ``$TELEMETRY_DB`` or ``warehouse.duckdb`` in the repo root."""
    value = os.environ.get("TELEMETRY_DB")
    return Path(value).expanduser().resolve() if value else DEFAULT_DB
