"""Warehouses for the report tests: a small sample built by dbt (plus a real GX run and one file that
fails to load), and an empty one (raw schema, no events, dbt built)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from generator import generate
from loaders.load import load
from loaders.schema import ensure_schema

REPO = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"


def dbt_models(db: Path, work: Path) -> None:
    """Seeds and models, without the data tests (test_pipeline.py runs those on a sample)."""
    env = {**os.environ, "TELEMETRY_DB": str(db), "DBT_PROFILES_DIR": str(REPO),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    result = subprocess.run(
        [str(DBT), "build", "--exclude-resource-type", "test", "unit_test",
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def sample_warehouse(work: Path) -> tuple[Path, Path]:
    """(warehouse, GX summary.json) of a 14-day sample with bad lines and one truncated gzip file."""
    sample = work / "sample"
    generate(sample, events=3000, days=14, seed=11, bad_fraction=0.01)
    day = sorted((sample / "segment-logs").glob("*/*"))[-1]
    whole = gzip.compress(b'{"event": "Training Started"}\n' * 200)
    (day / "truncated.gz").write_bytes(whole[: len(whole) // 2])
    db = work / "warehouse.duckdb"
    summary = load([str(sample / "segment-logs")], db)
    assert [result.path.name for result in summary.with_status("failed")] == ["truncated.gz"]
    dbt_models(db, work)
    gx_out = work / "data_quality"
    # a process of its own: GX keeps its DuckDB connection open for the life of the process
    gx = subprocess.run(
        [sys.executable, "-m", "expectations", "run", "--db", str(db), "--out", str(gx_out)],
        cwd=REPO, env={**os.environ, "GX_ANALYTICS_ENABLED": "false"}, capture_output=True, text=True,
    )  # fmt: skip
    assert gx.returncode in (0, 1), gx.stdout[-2000:] + gx.stderr[-2000:]  # 1: the injected bad data
    return db, gx_out / "summary.json"


def empty_warehouse(work: Path, build: bool = True) -> Path:
    """The raw layer with no rows; with `build`, dbt has built every model over it."""
    db = work / "empty.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
    if build:
        dbt_models(db, work)
    return db
