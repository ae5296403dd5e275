"""The same warehouse on Apache Spark: each engine lands the sample itself and builds it; every raw table and
every model equals DuckDB's, row for row.

A sample archive with bad lines is loaded in two nights (the last day held back, plus one file of an early day
that arrives late): by the DuckDB loader followed by `dbt build`, and by the Spark loader followed by
`dbt build --target spark` (tests/spark_kit.py: both nights in one process, one JVM). On night 2 Spark runs
`dbt run` (models only; every data and unit test ran there on night 1). The raw tables are compared as
tests/spark_loader_kit.py does (the differences README "Running on Spark" lists: run ids, clock times, JSON as
JSON), and every relation of schema `main` with `except all` both ways, read in DuckDB (Spark's as Parquet).

Documented differences, the only ones allowed in the models (README "Running on Spark"):
- a load's run id, clock times and a failed load's error text (VOLATILE) are not compared;
- DOUBLE columns are compared rounded to 6 decimals (the engines sum in different orders);
- JSON columns are DuckDB JSON and Spark STRING: compared as text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from generator import generate
from loaders.load import load
from tests.spark_loader_kit import differences, spark_tables
from tests.test_pipeline import dbt

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parent.parent
FLOAT_DECIMALS = 6
#: Columns of a model that carry a load's run id or clock (each engine's own run), not compared; the failed
#: loads' error text is each engine's exception (README "Running on Spark").
VOLATILE = {
    "stg_loader__loads": {"run_id", "started_at", "finished_at", "error"},
    "quality_failed_file_loads": {"started_at", "error"},
}


def _spark_build(work: Path, steps: list[tuple[Path, Path]]) -> list[dict]:
    env = {**os.environ, "TELEMETRY_SPARK_DIR": str(work / "spark"), "DBT_TARGET_PATH": str(work / "target-spark"),
           "DBT_LOG_PATH": str(work / "logs-spark")}  # fmt: skip
    for key in ("TELEMETRY_SPARK_WAREHOUSE", "TELEMETRY_SPARK_METASTORE_URL", "TELEMETRY_SPARK_METASTORE_URIS"):
        env.pop(key, None)  # the test's own catalog, never a configured one
    env.setdefault("TELEMETRY_SPARK_THREADS", "2")  # small models: two at once keep local[2] busy
    env.setdefault("TELEMETRY_SPARK_SHUFFLE_PARTITIONS", "2")
    # night 2 runs the models only: its rows are what is compared, and each of the ~190 tests dbt runs after a
    # build costs about a second on Spark whatever the data (night 1 runs them all, unit tests included)
    command = [sys.executable, "-m", "tests.spark_kit", "--spark-dir", str(work / "spark"), "--later", "run"]
    for paths_file, out in steps:
        command += ["--step", f"{paths_file}:{out}"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[tuple[str, str]]]]:
    """(name, [(column, DuckDB type)]) of every relation in schema main."""
    tables = "select table_name from information_schema.tables where table_schema = 'main' order by 1"
    columns = (
        "select column_name, data_type from information_schema.columns where table_schema = 'main'"
        " and table_name = ? order by ordinal_position"
    )
    return [(name, con.execute(columns, [name]).fetchall()) for (name,) in con.execute(tables).fetchall()]


def _comparable(column: str, data_type: str) -> str:
    """A column of DuckDB's model, as compared (see the module docstring)."""
    quoted = f'"{column}"'
    if data_type == "DOUBLE":
        return f"round({quoted}, {FLOAT_DECIMALS}) as {quoted}"
    if data_type == "JSON":
        return f"cast({quoted} as varchar) as {quoted}"
    return quoted


def _spark_side(column: str, data_type: str) -> str:
    """The same column read from Spark's Parquet, cast to DuckDB's type first."""
    quoted = f'"{column}"'
    target = "VARCHAR" if data_type == "JSON" else data_type
    cast = f"cast({quoted} as {target})"
    if data_type == "DOUBLE":
        return f"round({cast}, {FLOAT_DECIMALS}) as {quoted}"
    return f"{cast} as {quoted}"


def assert_same_models(warehouse: Path, locations: dict[str, str]) -> int:
    """Every relation of DuckDB's `main` equals Spark's (same columns, same rows); returns how many were compared."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        relations = _relations(con)
        assert sorted(locations) == sorted(name for name, _ in relations)
        for name, all_columns in relations:
            files = f"{locations[name]}/*.parquet"
            spark_columns = [
                row[0] for row in con.execute(f"describe select * from read_parquet('{files}')").fetchall()
            ]
            assert spark_columns == [column for column, _ in all_columns], f"{name}: columns differ"
            columns = [column for column in all_columns if column[0] not in VOLATILE.get(name, set())]
            duck = f"select {', '.join(_comparable(*column) for column in columns)} from main.{name}"
            spark = f"select {', '.join(_spark_side(*column) for column in columns)} from read_parquet('{files}')"
            for left, right, side in ((duck, spark, "DuckDB only"), (spark, duck, "Spark only")):
                rows = con.execute(f"select * from ({left} except all {right}) limit 5").fetchall()
                assert not rows, f"{name}: rows {side} (first 5): {rows}"
        return len(relations)


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[Path, Path]], list[dict]]:
    """Two nights on both engines: (work dir, [(DuckDB warehouse after night N, Spark's models)], Spark's reports)."""
    work = tmp_path_factory.mktemp("spark")
    sample = work / "sample"
    generate(sample, events=3000, days=7, seed=13, bad_fraction=0.01)
    days = sorted(path for path in (sample / "segment-logs").glob("*/*") if path.is_dir())
    late_file = sorted(days[1].glob("*.gz"))[-1]
    night_1 = [str(f) for day in days[:-1] for f in sorted(day.glob("*.gz")) if f != late_file]
    night_2 = [str(days[-1]), str(late_file)]
    db = work / "warehouse.duckdb"
    steps, spark_steps = [], []
    for night, paths in enumerate((night_1, night_2), start=1):
        assert not load(paths, db).with_status("failed")
        dbt(db, work, "build")
        snapshot = work / f"night{night}" / db.name  # the same file name: dbt's views name their catalog by it
        snapshot.parent.mkdir()
        shutil.copy(db, snapshot)
        paths_file = work / f"night{night}.paths"
        paths_file.write_text("".join(f"{path}\n" for path in paths))
        steps.append((snapshot, work / f"spark-models-{night}"))
        spark_steps.append((paths_file, work / f"spark-models-{night}"))
    start = time.monotonic()
    reports = _spark_build(work, spark_steps)
    print(f"spark: {time.monotonic() - start:.1f} s for two builds; {json.dumps([r['seconds'] for r in reports])}")
    return work, steps, reports


def test_the_raw_tables_on_spark_follow_the_contract(nights: tuple[Path, list, list[dict]]) -> None:
    """raw.* on Spark have DuckDB's columns in DuckDB's order, typed per the contract's map."""
    _, _, reports = nights
    for report in reports:
        assert report["raw_schema"] == report["expected_raw_schema"]
        assert [name for name, _ in report["raw_schema"]["events"]][:3] == ["message_id", "message_type", "event"]


def test_both_engines_land_the_same_raw_tables(nights: tuple[Path, list, list[dict]]) -> None:
    """After both nights, raw.events, raw.rejected_events and raw.loads of the Spark loader equal the DuckDB
    loader's (tests/spark_loader_kit.py's normalisation), and the sample had rejects to compare."""
    work, steps, reports = nights
    spark_raw = work / "spark_raw.duckdb"
    spark_tables(work / "spark", spark_raw)
    assert sum(report["landed"]["rejected"] for report in reports) > 10
    for table in ("events", "rejected_events", "loads"):
        assert differences(steps[-1][0], spark_raw, table) == []


def test_every_model_on_spark_equals_duckdb(nights: tuple[Path, list, list[dict]]) -> None:
    """Night 1 (a full build) and night 2 (incremental on both engines) give the same rows in every model."""
    _, steps, reports = nights
    for (warehouse, _), report in zip(steps, reports, strict=True):
        assert assert_same_models(warehouse, report["locations"]) > 40


def test_the_nightly_build_on_spark_is_incremental(nights: tuple[Path, list, list[dict]]) -> None:
    """Night 2's equality is not a rebuild in disguise: on Spark the append models inserted the new loads' rows
    into night 1's tables (dbt-spark's `insert into`), and each message is there once."""
    work, _, reports = nights
    run = work / "target-spark" / "run" / "rasa_telemetry" / "models"
    for model in ("staging/stg_telemetry__events.sql", "marts/fct_server_starts.sql"):
        assert "insert into" in (run / model).read_text(), f"{model} was not built incrementally on night 2"
    sql = "select count(distinct load_id), count(*) - count(distinct message_id) from read_parquet(?)"
    with duckdb.connect() as con:
        loads = [con.execute(sql, [f"{r['locations']['stg_telemetry__events']}/*.parquet"]).fetchone() for r in reports]
    assert loads[1][0] > loads[0][0] and loads[0][1] == loads[1][1] == 0
