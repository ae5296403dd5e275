"""The land stage on Spark: stage a chunk's rows as Parquet, then publish them into the raw tables.

Spark has no transaction over three Parquet tables, so a chunk lands in two steps. **Stage**: the chunk's
``raw.events``, ``raw.rejected_events`` and ``raw.loads`` rows are written as Parquet into a private folder
next to the warehouse (Spark's own commit protocol: a failed write leaves nothing in the tables). **Publish**:
the staged files are renamed into the table folders (a rename is atomic on a local file system), events and
rejects first, the chunk's loads file last. That file is the chunk's commit mark: a crash before it leaves
files that :func:`loaders.spark.tables.sweep_orphans` removes at the next start, and the files it names are
loaded again then. So each file is in the raw layer whole or not at all.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.classify import EARLIEST_EVENT_AT
from loaders.find import InputFile, text_of
from loaders.land import FileResult
from loaders.spark import tables
from loaders.spark.session import warehouse_location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Fault injection for the crash test: exit after the events files are published, before the rest.
FAULT_ENV = "LOADERS_FAULT_AFTER_EVENTS"


def _believed(column: str, now: str) -> str:
    """An event time only if it lies in [EARLIEST_EVENT_AT, load time + 1 day] (README "Event time")."""
    return (
        f"case when {column} between timestamp '{EARLIEST_EVENT_AT}' and timestamp '{now}' + interval 1 day "
        f"then {column} end"
    )


def events_sql(now: datetime) -> str:
    """The winners as ``raw.events`` rows, in the contract's column order."""
    at = now.isoformat(sep=" ")
    stamp, received = _believed("`timestamp`", at), _believed("received_at", at)
    computed = {
        "message_id": "final_id",
        "event_at": f"coalesce({stamp}, {received}, default_received_at)",
        "event_at_source": f"case when {stamp} is not null then 'timestamp' when {received} is not null "
        "then 'received_at' else 'load_default' end",
        "load_id": "chunk_loads.load_id",
    }
    select = ", ".join(
        f"cast({computed.get(name, f'`{name}`')} as {kind}) as `{name}`" for name, kind in tables.columns("events")
    )
    return f"select {select} from winners inner join chunk_loads using (file_idx)"


def rejects_sql() -> str:
    computed = {"load_id": "chunk_loads.load_id"}
    select = ", ".join(
        f"cast({computed.get(name, f'`{name}`')} as {kind}) as `{name}`"
        for name, kind in tables.columns("rejected_events")
    )
    return f"select {select} from new_rejects inner join chunk_loads using (file_idx)"


def utc(value: object) -> object:
    """A naive UTC datetime made explicit (pyspark reads a naive one in the Python process's local zone)."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def frame(spark: SparkSession, rows: list[tuple], schema: str) -> DataFrame:
    """Python rows as a frame; datetimes are naive UTC, as everywhere in the loader."""
    return spark.createDataFrame([tuple(utc(value) for value in row) for row in rows], schema)


def loads_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    """``raw.loads`` rows (dicts by column name) as a frame with the contract's types."""
    columns = tables.columns("loads")
    schema = ", ".join(f"`{name}` {kind}" for name, kind in columns)
    return frame(spark, [tuple(row.get(name) for name, _ in columns) for row in rows], schema)


def failure_row(run_id: str, load_id: int, result: FileResult, sha: str | None) -> dict:
    now = datetime.utcnow()
    return {
        "load_id": load_id, "run_id": run_id, "source_file": text_of(result.path), "file_sha256": sha,
        "bytes": result.bytes or None, "accepted": 0, "duplicates": 0, "rejected": 0, "started_at": now,
        "finished_at": now, "status": "failed", "error": result.error,
    }  # fmt: skip


def loaded_row(run_id: str, load_id: int, info: InputFile, result: FileResult, started: datetime) -> dict:
    return {
        "load_id": load_id, "run_id": run_id, "source_file": info.source_file, "file_sha256": info.sha256,
        "bytes": info.bytes, "lines": result.lines, "records": result.records, "accepted": result.accepted,
        "duplicates": result.duplicates, "rejected": result.rejected, "started_at": started,
        "finished_at": datetime.utcnow(), "status": "loaded", "error": None, "modified_at": info.modified_at,
    }  # fmt: skip


class Stage:
    """One chunk's staged Parquet files (``<warehouse>/_loader_stage/<run>-<n>/<table>``) and their publishing."""

    def __init__(self, run_id: str, number: int) -> None:
        self.chunk = f"{run_id}-{number}"
        self.folder = Path(warehouse_location()) / "_loader_stage" / self.chunk

    def write(self, table: str, frame: DataFrame) -> DataFrame:
        """Stage ``frame`` as ``table``'s rows; returns the staged rows (read back from the Parquet files)."""
        path = str(self.folder / table)
        frame.write.mode("overwrite").parquet(path)
        return frame.sparkSession.read.parquet(path)

    def publish(self, spark: SparkSession) -> None:
        """Move the staged files into the tables, the loads file last (the commit mark), then refresh them."""
        for table in ("events", "rejected_events", "loads"):
            staged = self.folder / table
            if not staged.exists():
                continue
            target = tables.location(spark, table)
            for name in sorted(os.listdir(staged)):
                if name.startswith("part-"):
                    os.replace(staged / name, target / f"chunk-{self.chunk}-{name}")
            if table == "events" and os.environ.get(FAULT_ENV):
                os._exit(70)
        for table in ("events", "rejected_events", "loads"):
            spark.sql(f"refresh table raw.{table}")
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
