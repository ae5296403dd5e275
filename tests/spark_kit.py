"""Build the dbt project on Apache Spark from a DuckDB warehouse's raw layer (tests/test_spark.py).

``python -m tests.spark_kit --spark-dir DIR --step WAREHOUSE:OUT [--step ...]`` runs, for each step in one
process (one JVM: Spark's start-up is paid once):

1. the raw tables of ``WAREHOUSE`` (a DuckDB file) are written as Parquet (``export_raw``) in the Spark layout of
   the raw contract (README "Running on Spark"): the same column names in the same order, JSON as its text,
   timestamps as UTC instants; ``dbt run-operation spark_attach_raw`` makes them ``raw.events``,
   ``raw.rejected_events`` and ``raw.loads`` in the Spark catalog;
2. ``dbt build --target spark`` (incremental after the first step, as a nightly build is; ``--later`` chooses
   what the later steps run);
3. every relation dbt built in schema ``main`` goes to ``OUT/<name>/`` as Parquet, for DuckDB to compare: a copy
   of a table's own folder, a view written.

It prints one JSON line per step: the seconds of each stage, each relation's Parquet folder and the Spark
schema of each raw table. Exit status
0 when every step built, 1 when a dbt command failed (its output is above), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
RAW_TABLES = ("events", "rejected_events", "loads")

#: DuckDB type of a raw column -> its Spark type (the raw contract; Parquet carries it).
SPARK_RAW_TYPES = {
    "VARCHAR": "string",
    "JSON": "string",
    "TIMESTAMP": "timestamp",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "BOOLEAN": "boolean",
    "BLOB": "binary",
}


def raw_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a raw table's columns, in order."""
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def _select(column: str, duckdb_type: str) -> str:
    quoted = f'"{column}"'
    if duckdb_type == "JSON":
        return f"cast({quoted} as varchar) as {quoted}"
    if duckdb_type == "TIMESTAMP":  # a UTC instant in Parquet (isAdjustedToUTC), Spark's TIMESTAMP
        return f"cast({quoted} as timestamptz) as {quoted}"
    if duckdb_type not in SPARK_RAW_TYPES:
        raise ValueError(f"raw column {column} has a type with no Spark mapping: {duckdb_type}")
    return quoted


def export_raw(warehouse: Path, out: Path) -> dict[str, list[tuple[str, str]]]:
    """Write raw.events, raw.rejected_events and raw.loads of ``warehouse`` to ``out/<table>/data.parquet``;
    return each table's (column, Spark type) list."""
    schemas = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in RAW_TABLES:
            columns = raw_columns(con, table)
            target = out / table
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            select = ", ".join(_select(name, kind) for name, kind in columns)
            con.execute(f"copy (select {select} from raw.{table}) to '{target / 'data.parquet'}' (format parquet)")
            schemas[table] = [(name, SPARK_RAW_TYPES[kind]) for name, kind in columns]
    return schemas


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
        for table in RAW_TABLES
    }


def run_step(runner: object, warehouse: Path, out: Path, raw_dir: Path, build: list[str]) -> dict[str, object]:
    timings: dict[str, float] = {}
    start = time.monotonic()
    expected = export_raw(warehouse, raw_dir)
    timings["export_raw"] = time.monotonic() - start
    start = time.monotonic()
    _dbt(runner, "run-operation", "spark_attach_raw", "--args", json.dumps({"location": str(raw_dir)}))
    timings["attach_raw"] = time.monotonic() - start
    start = time.monotonic()
    _dbt(runner, *build)
    timings["dbt_build"] = time.monotonic() - start
    start = time.monotonic()
    locations = _export_models(out)
    timings["export_models"] = time.monotonic() - start
    return {"warehouse": str(warehouse), "seconds": timings, "locations": locations,
            "raw_schema": _spark_raw_schema(), "expected_raw_schema": expected}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.spark_kit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--spark-dir", type=Path, required=True, help="metastore, warehouse and raw Parquet")
    parser.add_argument("--step", action="append", required=True, metavar="WAREHOUSE:OUT",
                        help="a DuckDB warehouse to build from, and where to write the built models")  # fmt: skip
    parser.add_argument("--later", choices=("build", "build-data", "run"), default="build",
                        help="what the steps after the first run: dbt build (default), build without the unit tests "
                             "(they read no data), or dbt run (models only)")  # fmt: skip
    args = parser.parse_args(argv)
    steps = []
    for step in args.step:
        warehouse, sep, out = step.partition(":")
        if not sep or not Path(warehouse).is_file():
            parser.error(f"--step needs an existing WAREHOUSE:OUT, got {step!r}")
        steps.append((Path(warehouse), Path(out)))
    spark_dir = args.spark_dir.resolve()
    os.environ.setdefault("TELEMETRY_SPARK_DIR", str(spark_dir))
    os.environ["DBT_PROFILES_DIR"] = str(REPO)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.chdir(REPO)
    from dbt.cli.main import dbtRunner

    runner = dbtRunner()
    for index, (warehouse, out) in enumerate(steps, start=1):
        later = {"build": ["build"], "build-data": ["build", "--exclude-resource-type", "unit_test"], "run": ["run"]}
        build = ["build"] if index == 1 else later[args.later]
        report = run_step(runner, warehouse.resolve(), out.resolve(), spark_dir / "raw" / str(index), build)
        print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
