"""Helpers for the Spark loader's tests: the real CLI with its own Spark folder, and Spark's raw tables read
from DuckDB (their Parquet files, as published), normalised where the engines may differ in form only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from loaders.spark import tables

REPO = Path(__file__).resolve().parent.parent
#: Columns that differ between two equal loads on any engine (ids of the run, clock times).
VOLATILE = {"load_id", "run_id", "started_at", "finished_at"}
JSON_COLUMNS = {"integrations", "properties", "context", "extra"}
#: Float rounding allowed between the engines (Spark's Jackson re-serialises numbers): significant digits.
FLOAT_DIGITS = 12


def spark_cli(spark_dir: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python -m loaders load --engine spark ARGS`` with its warehouse and metastore under ``spark_dir``."""
    env = {**os.environ, "TELEMETRY_SPARK_DIR": str(spark_dir)}
    env.pop("TELEMETRY_SPARK_WAREHOUSE", None)
    env.pop("TELEMETRY_SPARK_METASTORE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "loaders", "load", "--engine", "spark", *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env, errors="backslashreplace",
    )  # fmt: skip


def parquet_glob(spark_dir: Path, table: str) -> str:
    return str(spark_dir / "warehouse" / "raw.db" / table / "chunk-*.parquet")


def spark_tables(spark_dir: Path, db: Path) -> None:
    """A DuckDB file whose ``raw.*`` tables hold the rows of Spark's published Parquet files, with the DuckDB
    raw tables' types (Spark's JSON text cast to JSON, its UTC timestamps to naive UTC)."""
    with duckdb.connect(str(db)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema if not exists raw")
        for table in tables.TABLES:
            found = list(Path(parquet_glob(spark_dir, table)).parent.glob("chunk-*.parquet"))
            if not found:
                raise AssertionError(f"Spark published no Parquet files for raw.{table}")
            select = ", ".join(
                f"{name}::json as {name}" if name in JSON_COLUMNS else
                f'"{name}"::timestamp as "{name}"' if kind == "TIMESTAMP" else f'"{name}"'
                for name, kind in tables.columns(table)
            )  # fmt: skip
            con.execute(f"create or replace table raw.{table} as select {select} "
                        f"from read_parquet('{parquet_glob(spark_dir, table)}')")  # fmt: skip


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return float(f"{value:.{FLOAT_DIGITS}g}")
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def normal_json(text: str | None) -> str | None:
    """JSON compared as JSON: parsed, floats rounded to FLOAT_DIGITS, written minified (key order kept)."""
    if text is None:
        return None
    return json.dumps(_rounded(json.loads(text)), separators=(",", ":"), ensure_ascii=False)


def rows(db: Path, table: str, exclude: tuple[str, ...] = ()) -> tuple[list[str], list[tuple]]:
    """A raw table's columns (without VOLATILE and ``exclude``) and rows, JSON columns normalised."""
    names = [name for name in tables.names(table) if name not in VOLATILE and name not in exclude]
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        select = ", ".join(f'"{name}"::varchar' if name in JSON_COLUMNS else f'"{name}"' for name in names)
        found = con.execute(f"select {select} from raw.{table}").fetchall()
    json_at = [index for index, name in enumerate(names) if name in JSON_COLUMNS]
    return names, [tuple(normal_json(v) if i in json_at else v for i, v in enumerate(row)) for row in found]


def _text(value: object) -> str | None:
    return None if value is None else repr(bytes(value)) if isinstance(value, (bytes, bytearray)) else str(value)


def differences(duck: Path, spark: Path, table: str, exclude: tuple[str, ...] = (), limit: int = 5) -> list[str]:
    """Rows of ``table`` in one warehouse and not the other (EXCEPT ALL both ways, as text), ``limit`` each way."""
    names, left = rows(duck, table, exclude)
    _, right = rows(spark, table, exclude)
    columns = ", ".join(f"c{index} varchar" for index in range(len(names)))
    problems = []
    with duckdb.connect() as con:
        for side, found in (("duck", left), ("spark", right)):
            con.execute(f"create table {side} ({columns})")
            if found:
                con.executemany(f"insert into {side} values ({', '.join(['?'] * len(names))})",
                                [tuple(_text(value) for value in row) for row in found])  # fmt: skip
        for one, other in (("duck", "spark"), ("spark", "duck")):
            extra = con.execute(f"select * from (from {one} except all from {other}) limit {limit}").fetchall()
            problems += [f"raw.{table}: only on {one}: {dict(zip(names, row, strict=True))}" for row in extra]
    return problems
