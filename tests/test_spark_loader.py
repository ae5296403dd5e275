"""The Spark loader (``python -m loaders load --engine spark``) against the DuckDB loader on one sample archive.

One generated archive with bad lines of every reason, blank lines and a truncated gzip file is loaded by both
engines; Spark's published Parquet files are read from DuckDB (tests.spark_loader_kit.py) and every raw table is
compared row for row, EXCEPT ALL both ways. Allowed differences (README "Running on Spark"): ``load_id``,
``run_id`` and the load's clock times; JSON compared as JSON with floats rounded to 12 significant digits;
the error text of a failed file (each engine names its own exception). Cost: two Spark runs (about a minute).
Run alone with ``.venv/bin/pytest -m spark``.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from generator import generate
from loaders.load import load
from loaders.spark import tables
from tests.raw_checks import identity, leaks, unique_ids
from tests.spark_loader_kit import differences, parquet_glob, spark_cli, spark_tables

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark is not installed (requirements.txt pins it with the Spark target)")
SECRET = re.compile(rb'"writeKey":"([^"]+)"')


@dataclass
class Landed:
    archive: Path
    duck: Path  # the DuckDB loader's warehouse
    spark_dir: Path  # the Spark loader's warehouse and metastore
    spark: Path  # Spark's raw tables, read into a DuckDB file
    first_run: str  # the Spark CLI's summary line


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Landed:
    work = tmp_path_factory.mktemp("spark_loader")
    archive = work / "sample" / "segment-logs"
    generate(work / "sample", events=3000, days=7, seed=5, bad_fraction=0.02)
    day = sorted(archive.glob("*/*"))[-1]
    whole = gzip.compress(b'{"event": "Training Started"}\n' * 200)
    (day / "truncated.gz").write_bytes(whole[: len(whole) // 2])
    duck = work / "duck.duckdb"
    summary = load([str(archive)], duck)
    assert [result.path.name for result in summary.with_status("failed")] == ["truncated.gz"]
    spark_dir = work / "spark"
    result = spark_cli(spark_dir, str(archive))
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]  # 1: the truncated file failed
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "failed: " in result.stderr and "truncated.gz" in result.stderr
    spark_tables(spark_dir, work / "spark.duckdb")
    return Landed(archive, duck, spark_dir, work / "spark.duckdb", result.stdout.strip())


def test_the_spark_tables_have_the_raw_contracts_columns(landed: Landed) -> None:
    for table in tables.TABLES:
        duck = query(landed.duck, f"select column_name from information_schema.columns where table_schema = 'raw' "
                                  f"and table_name = '{table}' order by ordinal_position")  # fmt: skip
        spark = query(landed.spark, f"select name from parquet_schema('{parquet_glob(landed.spark_dir, table)}') "
                                    "where name <> 'spark_schema'")  # fmt: skip
        assert [name for (name,) in spark][: len(duck)] == [name for (name,) in duck]


@pytest.mark.parametrize("table", ["events", "rejected_events"])
def test_both_engines_land_the_same_rows(landed: Landed, table: str) -> None:
    assert query(landed.spark, f"select count(*) from raw.{table}")[0][0] > 50
    assert differences(landed.duck, landed.spark, table) == []


def test_both_engines_record_the_same_loads(landed: Landed) -> None:
    assert differences(landed.duck, landed.spark, "loads", exclude=("error",)) == []
    for db in (landed.duck, landed.spark):
        failed = query(db, "select source_file, error from raw.loads where status = 'failed'")
        assert [Path(source).name for source, _ in failed] == ["truncated.gz"] and failed[0][1]


def test_every_line_is_accounted_for_and_ids_are_unique(landed: Landed) -> None:
    assert identity(landed.spark) == []
    assert unique_ids(landed.spark) == []
    (events, rejected), = query(landed.spark, "select (select count(*) from raw.events), "
                                              "(select count(*) from raw.rejected_events)")  # fmt: skip
    assert f"{events:,} accepted" in landed.first_run and f"{rejected:,} rejected" in landed.first_run


def test_a_rejected_line_keeps_its_bytes(landed: Landed) -> None:
    rejects = query(landed.spark, "select source_file, line_number, reason, raw_line, raw_bytes "
                                  "from raw.rejected_events")  # fmt: skip
    assert {reason for _, _, reason, _, _ in rejects} >= {"invalid_json", "invalid_utf8", "too_large", "too_deep"}
    for source, line_number, reason, raw_line, raw_bytes in rejects:
        assert raw_line is not None
        line = gzip.decompress(Path(source).read_bytes()).split(b"\n")[line_number - 1]
        if reason == "invalid_utf8":
            assert raw_bytes == line
        elif reason != "too_large":
            assert raw_line.encode() == line


def test_no_write_key_value_is_stored(landed: Landed) -> None:
    secrets = {found.decode() for path in landed.archive.rglob("*.gz") if path.name != "truncated.gz"
               for found in SECRET.findall(gzip.decompress(path.read_bytes()))}  # fmt: skip
    assert secrets, "the sample should carry writeKeys"
    assert leaks(landed.spark, sorted(secrets)) == []


def test_a_second_run_loads_nothing_new(landed: Landed, tmp_path: Path) -> None:
    before = {table: query(landed.spark, f"select count(*) from raw.{table}")[0][0] for table in tables.TABLES}
    result = spark_cli(landed.spark_dir, str(landed.archive))
    assert result.returncode == 1, result.stderr[-3000:]  # the truncated file fails again, as on DuckDB
    loaded = int(landed.first_run.split(" files loaded")[0])
    assert result.stdout.startswith(f"0 files loaded, {loaded} skipped (already loaded), 1 failed; 0 accepted, 0 dup")
    spark_tables(landed.spark_dir, tmp_path / "again.duckdb")
    after = {table: query(tmp_path / "again.duckdb", f"select count(*) from raw.{table}")[0][0]
             for table in tables.TABLES}  # fmt: skip
    assert after == {**before, "loads": before["loads"] + 1}  # one more failed load, nothing else
