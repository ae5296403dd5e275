"""``python -m loaders load --engine spark``: the DuckDB loader's stages and rules, landing in Spark's catalog.

find (loaders.find, shared: which files, which are known from ``raw.loads``) -> read (loaders.spark.read) ->
classify (loaders.spark.classify) -> dedup (loaders.spark.dedup) -> land (loaders.spark.land: stage, then
publish), chunk by chunk (loaders.load.chunks). Temp views passed between the stages: ``lines`` (read),
``chunk_meta``, ``candidates``, ``classified``, ``pre_rejects``, ``chunk_loads`` (here), ``accepted``,
``all_rejects``, ``new_rejects``, ``winners`` (dedup).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from common.progress import Progress
from loaders.find import KNOWN, LOADED, InputFile, find, plan_from
from loaders.land import FileResult
from loaders.lines import Bad, Good
from loaders.load import RunSummary, chunks
from loaders.spark import land, read, session, tables
from loaders.spark.classify import CONSTANTS, NEEDLE, VALID, classify_sql
from loaders.spark.dedup import find_winners

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CANDIDATES = "file_idx int, line_number bigint, record_index int, text string, checked boolean"
REJECTS = "file_idx int, line_number bigint, record_index int, reason string, detail string, raw_line string, " \
          "raw_bytes binary"  # fmt: skip


def java_error(error: Exception) -> str:
    """The first Java exception named in a Spark error, as one plain line."""
    found = re.search(r"(java\.[\w.]+(?:Exception|Error)[^\n]*)", str(error))
    return found.group(1).strip() if found else str(error).splitlines()[0]


class Run:
    """One run: the session, load ids (continuing ``raw.loads``), the summary, the chunk counter."""

    def __init__(self, spark: SparkSession, summary: RunSummary, received_at: datetime | None) -> None:
        self.spark, self.summary, self.received_at = spark, summary, received_at
        self.next_id = (spark.sql("select coalesce(max(load_id), 0) from raw.loads").first()[0] or 0) + 1
        self.chunks = 0

    def load_ids(self, count: int) -> list[int]:
        first, self.next_id = self.next_id, self.next_id + count
        return list(range(first, first + count))

    def stage(self) -> land.Stage:
        self.chunks += 1
        return land.Stage(self.summary.run_id, self.chunks)


def _readable(spark: SparkSession, aliases: read.Aliases, files: dict[int, InputFile]) -> tuple[DataFrame, dict]:
    """Scan the chunk and materialise its lines; files Spark cannot read (a truncated gzip) fail alone."""
    failed: dict[int, str] = {}
    while True:
        readable = {idx: info for idx, info in files.items() if idx not in failed}
        if not readable:
            return spark.createDataFrame([], "file_idx int"), failed
        lines = read.scan(spark, aliases.paths(readable)).persist()
        try:
            lines.count()
            lines.createOrReplaceTempView("lines")
            return lines, failed
        except Exception:  # find the culprit(s) one file at a time
            lines.unpersist()
            for idx, info in readable.items():
                try:
                    spark.read.format("text").load(aliases.paths({idx: info})).count()
                except Exception as error:
                    failed[idx] = java_error(error)


def _classify(spark: SparkSession, lines: DataFrame, files: dict[int, InputFile]) -> DataFrame:
    """Fill the ``classified`` and ``pre_rejects`` views for the readable files of a chunk."""
    items = read.python_lines(lines)
    taken, documents = read.documents(spark, files)
    items = read.strict_items(spark, [item for item in items if item[0] not in taken] + documents)
    good = [(i, n, r, item.text, item.strict) for i, n, r, item in items if isinstance(item, Good)]
    bad = [(i, n, r, item.reason, item.detail, item.raw_line, item.raw_bytes)
           for i, n, r, item in items if isinstance(item, Bad)]  # fmt: skip
    candidates = (
        lines.where(f"not python and not {NEEDLE} and not ({CONSTANTS} and not {VALID})")
        .where(~lines.file_idx.isin(taken))
        .selectExpr("file_idx", "line_number", "cast(null as int) as record_index", "text", "false as checked")
        .unionByName(spark.createDataFrame(good, CANDIDATES))
    )
    candidates.createOrReplaceTempView("candidates")
    spark.createDataFrame(bad, REJECTS).createOrReplaceTempView("pre_rejects")
    classified = spark.sql(classify_sql("candidates")).persist()
    classified.createOrReplaceTempView("classified")
    return classified


def _load_chunk(run: Run, aliases: read.Aliases, chunk: dict[int, InputFile]) -> None:
    spark, summary = run.spark, run.summary
    started = datetime.utcnow()
    lines, failed = _readable(spark, aliases, chunk)
    readable = {idx: info for idx, info in chunk.items() if idx not in failed}
    stage, rows = run.stage(), []
    ids = dict(zip(chunk, run.load_ids(len(chunk)), strict=True))
    results = {idx: FileResult(info.path, "loaded", bytes=info.bytes) for idx, info in readable.items()}
    if readable:
        meta = [(idx, info.source_file, info.sha256, run.received_at or info.modified_at or started)
                for idx, info in readable.items()]  # fmt: skip
        schema = "file_idx int, source_file string, file_sha256 string, default_received_at timestamp"
        land.frame(spark, meta, schema).createOrReplaceTempView("chunk_meta")
        spark.createDataFrame([(idx, ids[idx]) for idx in readable], "file_idx int, load_id bigint") \
            .createOrReplaceTempView("chunk_loads")  # fmt: skip
        classified = _classify(spark, lines, readable)
        counts = find_winners(spark)
        events = stage.write("events", spark.sql(land.events_sql(started)))
        rejects = stage.write("rejected_events", spark.sql(land.rejects_sql()))
        landed = {row[0]: row[1] for row in events.groupBy("load_id").count().collect()}
        quarantined = {row[0]: row[1] for row in rejects.groupBy("load_id").count().collect()}
        for idx, result in results.items():
            result.load_id = ids[idx]
            result.accepted, result.rejected = landed.get(ids[idx], 0), quarantined.get(ids[idx], 0)
            result.lines, result.records = counts.get(idx, (0, 0))
            result.duplicates = result.records - result.accepted - result.rejected
            rows.append(land.loaded_row(summary.run_id, ids[idx], readable[idx], result, started))
        classified.unpersist()
    lines.unpersist()
    for idx, error in failed.items():
        info = chunk[idx]
        results[idx] = FileResult(info.path, "failed", bytes=info.bytes, error=error, load_id=ids[idx])
        rows.append(land.failure_row(summary.run_id, ids[idx], results[idx], info.sha256))
    stage.write("loads", land.loads_frame(spark, rows))
    stage.publish(spark)
    summary.results += [results[idx] for idx in chunk]


def _record_planned(run: Run, files) -> None:
    """What the find stage decided without reading: failed files are recorded, skipped ones reported."""
    run.summary.changed = files.changed
    rows = []
    for failure in files.failed:
        result = FileResult(failure.path, "failed", bytes=failure.bytes or 0, error=failure.error)
        result.load_id = run.load_ids(1)[0]
        rows.append(land.failure_row(run.summary.run_id, result.load_id, result, failure.sha256))
        run.summary.results.append(result)
    for skip in files.skipped:
        run.summary.results.append(FileResult(skip.path, "skipped", bytes=skip.bytes, note=skip.reason))
    if rows:
        stage = run.stage()
        stage.write("loads", land.loads_frame(run.spark, rows))
        stage.publish(run.spark)


def load(
    paths: list[str],
    received_at: datetime | None = None,
    force: bool = False,
    progress: Progress | None = None,
    verify: bool = False,
    keep_session: bool = False,
) -> RunSummary:
    """Load every file under ``paths`` into Spark's raw tables; see README "Loading" and "Running on Spark".

    ``keep_session``: leave the Spark session running (a caller that builds with dbt in the same process, as
    tests/spark_kit.py does, keeps one JVM); by default the session stops with the load.

    Raises :class:`loaders.find.InputError` (before starting Spark) for a path that matches nothing.
    """
    clock = time.perf_counter()
    summary = RunSummary(run_id=uuid.uuid4().hex)
    candidates = find(paths)
    spark = session.start()
    aliases, files = read.Aliases(), None
    try:
        tables.ensure_tables(spark)
        tables.sweep_orphans(spark)
        known = [tuple(row) for row in spark.sql(KNOWN).collect()]
        loaded = [tuple(row) for row in spark.sql(LOADED).collect()]
        files = plan_from(known, loaded, candidates, force, verify)
        run = Run(spark, summary, received_at)
        _record_planned(run, files)
        if progress:
            progress.set_total(sum(info.bytes for info in files.load))
        for chunk in chunks(list(enumerate(files.load))):
            _load_chunk(run, aliases, chunk)
            if progress:
                progress(sum(info.bytes for info in chunk.values()))
    finally:
        aliases.close()
        if files is not None:
            files.close()
        if not keep_session:
            spark.stop()
    summary.seconds = time.perf_counter() - clock
    return summary
