"""Opening the warehouse: the file lock (waiting for it on request), the storage format, the raw schema."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from common.settings import LOADER_MEMORY_LIMIT, STORAGE_VERSION, duckdb_settings
from loaders.migrate import migrate, needs_migration
from loaders.schema import OutdatedWarehouse, create_events_ddl, ensure_schema

#: DuckDB writes its three file headers (12 KiB) when it creates a database. A file no larger than that which
#: DuckDB calls "not a valid DuckDB database file" is one another process (dbt, a shell) is creating right now,
#: or one whose creation was interrupted. The loader itself never shows a half-made file (:func:`_create`).
HEADER_BYTES = 3 * 4096
#: How long a half-created file is given to become a database, whatever ``wait`` says (creation takes
#: milliseconds; longer means it was interrupted).
CREATING_GRACE_SECONDS = 5.0
LOCKED = "Could not set lock on file"
NOT_A_DATABASE = "not a valid DuckDB database file"


class WarehouseInUse(Exception):
    """Another process holds the warehouse file (or is creating it); nothing was loaded."""


class WarehouseUnusable(Exception):
    """The warehouse file cannot be opened at all (not a DuckDB file, no permission)."""


def _open(db_path: Path) -> duckdb.DuckDBPyConnection:
    config = {"storage_compatibility_version": STORAGE_VERSION, **duckdb_settings(db_path, LOADER_MEMORY_LIMIT)}
    return duckdb.connect(str(db_path), config=config)


def _create(db_path: Path) -> None:
    """Make a new warehouse whole under a private name, then link it into place (atomic, never overwrites).

    Two loaders started at once on a new file would otherwise race inside DuckDB's creation: the second can
    open the file before the first has written its header ("not a valid DuckDB database file"), and the
    first then finds the file locked, leaving an empty file behind. Whoever links first wins; the others
    open the finished file and find it held.
    """
    private = db_path.with_name(f".{db_path.name}.{os.getpid()}.creating")
    try:
        con = _open(private)
        try:
            ensure_schema(con)
        finally:
            con.close()
        os.link(private, db_path)
    except (OSError, duckdb.Error):  # linked by another loader first; or no hard links here, or the folder is
        pass  # not writable: then DuckDB creates the file in place, or says plainly why it cannot
    finally:
        for leftover in (private, private.with_name(private.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _held(error: duckdb.IOException, db_path: Path) -> str | None:
    """Why the file cannot be opened *now* ("in use" or "being created"); None if waiting would not help."""
    text = str(error)
    if LOCKED in text:
        holder = re.search(r"PID \d+", text)
        return f"in use by another process{f' ({holder.group(0)})' if holder else ''}"
    if NOT_A_DATABASE in text:
        try:
            size = db_path.stat().st_size
        except OSError:  # gone: the creator gave up; the next attempt creates it
            return "being created by another process"
        if size <= HEADER_BYTES:
            return f"being created by another process ({size} bytes so far)"
    return None


def connect(
    db_path: Path, wait: float = 0.0, on_wait: Callable[[str], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting up to ``wait`` seconds for another process to release it.

    ``on_wait`` is told once when waiting starts. A file another process is creating is given
    :data:`CREATING_GRACE_SECONDS` even when ``wait`` is 0. Raises :class:`WarehouseInUse` when the time is up.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if not db_path.exists():
        _create(db_path)
    started, pause, told = time.monotonic(), 0.05, False
    while True:
        try:
            con = _open(db_path)
            break
        except duckdb.IOException as error:
            why = _held(error, db_path)
            if why is None:
                first_line = str(error).splitlines()[0]
                raise WarehouseUnusable(f"warehouse {db_path} cannot be opened: {first_line}") from error
            limit = wait if why.startswith("in use") else max(wait, CREATING_GRACE_SECONDS)
            waited = time.monotonic() - started
            if waited >= limit:
                advice = (
                    "retry when that process has finished"
                    if why.startswith("in use")
                    else f"if no other process is creating it, its creation was interrupted: delete {db_path}"
                )
                waited_text = f" after waiting {waited:.1f}s" if wait > 0 else ""
                raise WarehouseInUse(
                    f"warehouse {db_path} is {why}{waited_text}; nothing was loaded — {advice}"
                ) from error
            if on_wait and not told and (why.startswith("in use") or waited > 1.0):
                on_wait(f"warehouse {db_path} is {why}: waiting up to {limit:g}s")
                told = True
            time.sleep(min(pause, limit - waited))
            pause = min(pause * 2, 1.0)
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
