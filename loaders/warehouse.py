"""Opening the warehouse: the file lock, the storage format, the raw schema."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

from common.settings import STORAGE_VERSION, duckdb_config
from loaders.migrate import migrate, needs_migration
from loaders.schema import OutdatedWarehouse, create_events_ddl, ensure_schema


class WarehouseInUse(Exception):
    """Another process holds the warehouse file."""


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing; a held lock becomes :class:`WarehouseInUse`."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(db_path), config={"storage_compatibility_version": STORAGE_VERSION, **duckdb_config(db_path)}
        )
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            holder = re.search(r"PID \d+", str(error))
            who = f" ({holder.group(0)})" if holder else ""
            raise WarehouseInUse(
                f"warehouse {db_path} is in use by another process{who}; "
                "nothing was loaded — retry when that process has finished"
            ) from error
        raise
    con.execute("set TimeZone = 'UTC'")
    try:
        if needs_migration(con):
            rows = migrate(con, create_events_ddl(con))
            print(f"migrated raw.events in {db_path} to content + lineage columns ({rows:,} rows)", file=sys.stderr)
        ensure_schema(con)
    except OutdatedWarehouse:
        con.close()
        raise
    return con
