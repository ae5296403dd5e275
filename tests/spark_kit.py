"""Land and build the project on Apache Spark, night by night, in one process (tests/test_spark.py).

``python -m tests.spark_kit --spark-dir DIR --step PATHS_FILE:OUT [--step ...]`` runs, for each step in one
process (one JVM: Spark's start-up is paid once):

1. the Spark loader (``loaders.spark.load``, what ``python -m loaders load --engine spark`` runs) lands the
   archive files listed in ``PATHS_FILE`` (one per line) into ``raw.events``, ``raw.rejected_events`` and
   ``raw.loads`` of the Spark catalog;
2. ``dbt build --target spark`` (incremental after the first step, as a nightly build is; ``--later`` chooses
   what the later steps run);
3. every relation dbt built in schema ``main`` goes to ``OUT/<name>/`` as Parquet, for DuckDB to compare: a copy
   of a table's own folder, a view written.

It prints one JSON line per step: the seconds of each stage, the load's counts, each relation's Parquet folder
and the Spark schema of each raw table. Exit status 0 when every step built, 1 when a load or a dbt command
failed (its output is above), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from loaders.spark import tables

REPO = Path(__file__).resolve().parent.parent


def _dbt(runner: object, *args: str) -> None:
    """A dbt command on the spark target, in this process; target/ and logs/ where DBT_TARGET_PATH, DBT_LOG_PATH say."""
    paths = [
        "--target-path",
        os.environ.get("DBT_TARGET_PATH", "target"),
        "--log-path",
        os.environ.get("DBT_LOG_PATH", "logs"),
    ]
    result = runner.invoke([*args, "--target", "spark", *paths])  # type: ignore[attr-defined]
    if not result.success:
        raise SystemExit(1)


def _export_models(out: Path) -> dict[str, str]:
    """Every relation of schema main as Parquet in OUT/<name>: a copy of a table's folder, a view written; returns
    the folders."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()  # the session dbt-spark created in this process
    shutil.rmtree(out, ignore_errors=True)
    locations = {}
    for row in spark.sql("show tables in main").collect():
        if row.isTemporary:
            continue
        details = {
            r.col_name: r.data_type for r in spark.sql(f"describe table extended main.{row.tableName}").collect()
        }
        target = out / row.tableName
        if details.get("Type") == "VIEW":
            spark.table(f"main.{row.tableName}").write.parquet(str(target))
        else:  # a copy: the next step's build changes the table's own folder
            shutil.copytree(details["Location"].removeprefix("file:"), target)
        locations[row.tableName] = str(target)
    return locations


def _spark_raw_schema() -> dict[str, list[tuple[str, str]]]:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    return {
        table: [(field.name, field.dataType.simpleString()) for field in spark.table(f"raw.{table}").schema.fields]
        for table in tables.TABLES
    }


def _land(paths_file: Path) -> dict[str, int]:
    """The Spark loader on the files listed in ``paths_file``, in this process's session (kept for dbt)."""
    from loaders.spark.load import load

    summary = load(paths_file.read_text().split("\n")[:-1], keep_session=True)
    return {"accepted": summary.total("accepted"), "rejected": summary.total("rejected"),
            "failed": len(summary.with_status("failed"))}  # fmt: skip


def run_step(runner: object, paths_file: Path, out: Path, build: list[str]) -> dict[str, object]:
    timings: dict[str, float] = {}
    start = time.monotonic()
    landed = _land(paths_file)
    timings["spark_load"] = time.monotonic() - start
    start = time.monotonic()
    _dbt(runner, *build)
    timings["dbt_build"] = time.monotonic() - start
    start = time.monotonic()
    locations = _export_models(out)
    timings["export_models"] = time.monotonic() - start
    expected = {table: [(name, kind.lower()) for name, kind in tables.columns(table)] for table in tables.TABLES}
    return {"paths": str(paths_file), "seconds": timings, "landed": landed, "locations": locations,
            "raw_schema": _spark_raw_schema(), "expected_raw_schema": expected}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.spark_kit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--spark-dir", type=Path, required=True, help="metastore and warehouse")
    parser.add_argument("--step", action="append", required=True, metavar="PATHS_FILE:OUT",
                        help="a file listing the archive files to land; where to write the built models")  # fmt: skip
    parser.add_argument("--later", choices=("build", "build-data", "run"), default="build",
                        help="what the steps after the first run: dbt build (default), build without the unit tests "
                             "(they read no data), or dbt run (models only)")  # fmt: skip
    args = parser.parse_args(argv)
    steps = []
    for step in args.step:
        paths_file, sep, out = step.partition(":")
        if not sep or not Path(paths_file).is_file():
            parser.error(f"--step needs an existing PATHS_FILE:OUT, got {step!r}")
        steps.append((Path(paths_file), Path(out)))
    spark_dir = args.spark_dir.resolve()
    os.environ.setdefault("TELEMETRY_SPARK_DIR", str(spark_dir))
    os.environ["DBT_PROFILES_DIR"] = str(REPO)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.chdir(REPO)
    from dbt.cli.main import dbtRunner

    runner = dbtRunner()
    for index, (paths_file, out) in enumerate(steps, start=1):
        later = {"build": ["build"], "build-data": ["build", "--exclude-resource-type", "unit_test"], "run": ["run"]}
        build = ["build"] if index == 1 else later[args.later]
        try:
            report = run_step(runner, paths_file.resolve(), out.resolve(), build)
        except Exception as error:  # the loader's own message; its traceback is not the test's finding
            print(f"step {index} failed: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
