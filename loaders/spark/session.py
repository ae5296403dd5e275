"""The Spark session the loader lands through: master, warehouse folder and metastore from the environment.

The names and defaults are the ones ``profiles.yml``'s ``spark`` target reads (README "Running on Spark"), so
the loader and dbt share one catalog. Without a metastore service Spark keeps its catalog in an embedded Derby
database, which one process may open at a time: a second process fails to start its session
(:class:`MetastoreInUse`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from common.settings import REPO_ROOT

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MASTER_ENV, DEFAULT_MASTER = "TELEMETRY_SPARK_MASTER", "local[2]"
DIR_ENV = "TELEMETRY_SPARK_DIR"  # default: spark/ in the repo root (gitignored): warehouse, metastore, derby.log
WAREHOUSE_ENV = "TELEMETRY_SPARK_WAREHOUSE"  # default: <spark dir>/warehouse
METASTORE_URL_ENV = "TELEMETRY_SPARK_METASTORE_URL"  # default: Derby in <spark dir>/metastore_db
METASTORE_URIS_ENV = "TELEMETRY_SPARK_METASTORE_URIS"  # a Hive metastore service (thrift://...); empty: embedded
DRIVER_MEMORY_ENV, DEFAULT_DRIVER_MEMORY = "TELEMETRY_SPARK_DRIVER_MEMORY", "2g"
SHUFFLE_PARTITIONS_ENV, DEFAULT_SHUFFLE_PARTITIONS = "TELEMETRY_SPARK_SHUFFLE_PARTITIONS", "4"
LOG_LEVEL_ENV = "TELEMETRY_SPARK_LOG_LEVEL"  # Spark's own log on stderr (default fatal: the loader reports errors)
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")


class SparkUnavailable(Exception):
    """pyspark is not installed, or no JVM could be started (exit 2)."""


class MetastoreInUse(Exception):
    """Another process holds the embedded Derby metastore (exit 3)."""


def spark_dir() -> Path:
    value = os.environ.get(DIR_ENV)
    return Path(value).expanduser().resolve() if value else REPO_ROOT / "spark"


def warehouse_location() -> str:
    return os.environ.get(WAREHOUSE_ENV) or str(spark_dir() / "warehouse")


def metastore_url() -> str:
    return os.environ.get(METASTORE_URL_ENV) or f"jdbc:derby:;databaseName={spark_dir() / 'metastore_db'};create=true"


def settings() -> dict[str, str]:
    """Every Spark setting the loader uses (what ``profiles.yml`` sets for dbt, plus the loader's own)."""
    home, log_level = spark_dir(), os.environ.get(LOG_LEVEL_ENV) or "fatal"
    return {
        "spark.master": os.environ.get(MASTER_ENV) or DEFAULT_MASTER,
        "spark.app.name": "rasa_telemetry_loader",
        "spark.sql.warehouse.dir": warehouse_location(),
        "spark.hadoop.javax.jdo.option.ConnectionURL": metastore_url(),
        "spark.hadoop.hive.metastore.uris": os.environ.get(METASTORE_URIS_ENV) or "",
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV) or DEFAULT_DRIVER_MEMORY,
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home} -Duser.timezone=UTC "
        f"-Dlog4j2.configurationFile={LOG_CONFIG} -Dtelemetry.spark.log.level={log_level}",
        "spark.sql.shuffle.partitions": os.environ.get(SHUFFLE_PARTITIONS_ENV) or DEFAULT_SHUFFLE_PARTITIONS,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.default": "parquet",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # the loader's own: standard Parquet timestamps (not INT96), ANSI casts off as dbt-spark has them
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.ansi.enabled": "false",
        # a Segment archive is many small gzip files: pack them into few tasks (the default counts 4 MB a file)
        "spark.sql.files.openCostInBytes": str(1024 * 1024),
    }


def start() -> SparkSession:
    """A session with Hive's catalog (the metastore dbt uses too); raises plain exceptions when it cannot start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailable("pyspark is not installed in this environment (see requirements.txt)") from error
    spark_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder
    for key, value in settings().items():
        builder = builder.config(key, value)
    try:
        spark = builder.enableHiveSupport().getOrCreate()
    except Exception as error:  # py4j and pyspark raise several kinds; the JVM's own message is the useful part
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SparkUnavailable(f"Spark could not start: {first}") from error
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # pyspark's echo of every SQL error
    try:
        spark.sql("create database if not exists raw")
    except Exception as error:
        spark.stop()
        text = str(error)
        if "XSDB6" in text or "Failed to start database" in text or "metastore" in text.lower():
            raise MetastoreInUse(
                f"the Spark metastore ({metastore_url()}) is in use by another process (Derby allows one); "
                "retry when it has finished"
            ) from error
        raise SparkUnavailable(f"Spark's catalog is not usable: {text.splitlines()[0]}") from error
    return spark
