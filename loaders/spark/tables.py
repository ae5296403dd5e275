"""The raw contract on Spark: ``raw.events``, ``raw.rejected_events``, ``raw.loads`` as Parquet catalog tables.

Their columns, in order, are the DuckDB raw tables' (loaders.schema): read from an in-memory DuckDB database
that :func:`loaders.schema.ensure_schema` built, so the two engines cannot drift apart. Types map one to one
(:data:`SPARK_TYPE`); a JSON column holds the JSON text. ``raw.messages`` (a DuckDB view) has no Spark twin.

Publishing (loaders.spark.land) moves staged Parquet files into the table folders; a chunk's ``raw.loads``
file goes last and is the commit mark. :func:`sweep_orphans` removes the files of a chunk whose loads file
never arrived (a crash between the moves), so a file is in the raw layer whole or not at all.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import duckdb

from loaders.schema import ensure_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TABLES = ("events", "rejected_events", "loads")
SPARK_TYPE = {
    "VARCHAR": "STRING",
    "JSON": "STRING",
    "TIMESTAMP": "TIMESTAMP",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "BOOLEAN": "BOOLEAN",
    "BLOB": "BINARY",
}
#: A published file's name: the chunk it belongs to, then Spark's own part name.
CHUNK_FILE = re.compile(r"^chunk-(?P<chunk>[0-9a-f]+-\d+)-part-")


@cache
def columns(table: str) -> tuple[tuple[str, str], ...]:
    """(column, Spark type) of a raw table, in the DuckDB table's order."""
    with duckdb.connect() as con:
        ensure_schema(con)
        rows = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = $1 order by ordinal_position",
            [table],
        ).fetchall()
    return tuple((name, SPARK_TYPE[kind]) for name, kind in rows)


def names(table: str) -> list[str]:
    return [name for name, _ in columns(table)]


def ddl(table: str) -> str:
    body = ", ".join(f"`{name}` {kind}" for name, kind in columns(table))
    return f"create table if not exists raw.{table} ({body}) using parquet"


def ensure_tables(spark: SparkSession) -> None:
    spark.sql("create database if not exists raw")
    for table in TABLES:
        spark.sql(ddl(table))
        found = [(field.name, field.dataType.simpleString().upper()) for field in spark.table(f"raw.{table}").schema]
        wanted = [(name, kind) for name, kind in columns(table)]
        if found != wanted:
            raise RuntimeError(f"raw.{table} in the Spark catalog does not have the raw contract's columns: {found}")


def location(spark: SparkSession, table: str) -> Path:
    """The local folder of a table (publishing moves files, which needs a file system path)."""
    rows = spark.sql(f"describe table extended raw.{table}").collect()
    found = next(row.data_type for row in rows if row.col_name == "Location")
    parsed = urlparse(found)
    if parsed.scheme not in ("", "file"):
        raise RuntimeError(f"raw.{table} lives at {found}: the Spark loader publishes to local folders only")
    return Path(unquote(parsed.path))


def published_chunks(folder: Path) -> set[str]:
    return {found.group("chunk") for name in os.listdir(folder) if (found := CHUNK_FILE.match(name))}


def sweep_orphans(spark: SparkSession) -> int:
    """Remove events / rejects files of chunks without a loads file; returns how many files were removed."""
    committed = published_chunks(location(spark, "loads"))
    removed = 0
    for table in ("events", "rejected_events"):
        folder = location(spark, table)
        for name in os.listdir(folder):
            found = CHUNK_FILE.match(name)
            if found and found.group("chunk") not in committed:
                (folder / name).unlink()
                removed += 1
        if removed:
            spark.sql(f"refresh table raw.{table}")
    return removed
