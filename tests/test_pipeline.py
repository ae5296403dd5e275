"""Whole pipeline on real files: generate -> load -> dbt build, checked against the generator's manifest,
and the nightly incremental build equal, row for row, to a full refresh."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from generator import generate
from loaders.load import load

REPO = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"


def dbt(db: Path, work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TELEMETRY_DB": str(db), "DBT_PROFILES_DIR": str(REPO),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    result = subprocess.run(
        [str(DBT), *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    manifest = generate(out, events=4000, days=14, seed=3, bad_fraction=0.01)
    return out, manifest


@pytest.fixture(scope="module")
def built(sample: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out, manifest = sample
    work = tmp_path_factory.mktemp("built")
    db = work / "wh.duckdb"
    summary = load([str(out / "segment-logs")], db)
    assert not summary.with_status("failed")
    dbt(db, work, "build")
    return db, manifest


def test_the_raw_layer_holds_exactly_the_archive(built: tuple[Path, dict]) -> None:
    db, manifest = built
    assert query(db, "select count(*) from raw.events") == [(manifest["accepted"],)]
    assert query(db, "select sum(lines), sum(duplicates) from raw.loads") == [
        (manifest["lines"], manifest["duplicates"])]  # fmt: skip
    rejects = dict(query(db, "select reason, count(*) from raw.rejected_events group by 1"))
    assert rejects == {reason: n for reason, n in manifest["rejects"].items() if n}
    by_event = dict(query(db, "select event, count(*) from raw.events group by 1"))
    assert by_event == manifest["events_by_name"]


def test_raw_messages_rebuilds_every_landed_line(sample: tuple[Path, dict], built: tuple[Path, dict]) -> None:
    """raw.events keeps content + lineage, not bytes: raw.messages rebuilds each message from its columns,
    equal (as JSON) to the archive's line at (source_file, line_number), writeKey aside."""
    out, _ = sample
    db, _ = built
    lines = {
        str(path): gzip.decompress(path.read_bytes()).split(b"\n") for path in (out / "segment-logs").rglob("*.gz")
    }
    rebuilt = query(db, "select source_file, line_number, message from raw.messages")
    assert rebuilt
    for source_file, line_number, text in rebuilt:
        original = json.loads(lines[source_file][line_number - 1])
        original.pop("writeKey", None)
        assert json.loads(text) == original, (source_file, line_number)


def test_staging_and_quality_models_report_what_was_injected(built: tuple[Path, dict]) -> None:
    db, manifest = built
    for event, count in manifest["events_by_name"].items():
        if event in manifest["unknown_events"]:
            continue
        slug = event.lower().replace(" ", "_")
        assert query(db, f"select count(*) from stg_telemetry__{slug}") == [(count,)], event
    violations = query(db, "select event, property, count(*) from quality_property_type_violations group by all")
    assert {(e, p): n for e, p, n in violations} == {
        (e, p): n for e, props in manifest["type_violations"].items() for p, n in props.items()}  # fmt: skip
    unknown = dict(query(db, "select event, events from quality_unknown_events"))
    assert unknown == manifest["unknown_events"]


def test_the_marts_the_team_reads_are_populated(built: tuple[Path, dict]) -> None:
    db, _ = built
    for mart in (
        "mart_training_runtimes",
        "mart_server_deployment_configs",
        "mart_nlu_test_sizes",
        "fct_training_runs",
        "dim_installations",
        "mart_rasa_version_adoption",
        "mart_activation_funnel",
    ):
        assert query(db, f"select count(*) > 0 from {mart}") == [(True,)], mart  # fmt: skip
    started = query(db, "select count(*) from stg_telemetry__training_started")[0][0]
    assert query(db, "select count(*) from fct_training_runs where started_at is not null") == [(started,)]


def _relations(db: Path) -> list[str]:
    return [name for (name,) in query(db, "select table_name from information_schema.tables "
                                          "where table_schema = 'main' order by 1")]  # fmt: skip


def _incremental_models(work: Path) -> set[str]:
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    return {node["alias"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"}  # fmt: skip


def _split_off_completions(source: Path, target_dir: Path) -> tuple[Path, Path]:
    """Split an archive file in two: its Training Completed lines, and everything else (bad lines included)."""
    rest, completions = [], []
    for line in gzip.decompress(source.read_bytes()).splitlines(keepends=True):
        try:
            is_completion = json.loads(line).get("event") == "Training Completed"
        except (ValueError, AttributeError):
            is_completion = False
        (completions if is_completion else rest).append(line)
    assert completions and rest
    target_dir.mkdir(parents=True)
    paths = (target_dir / f"rest-{source.name}", target_dir / f"completions-{source.name}")
    for path, lines in zip(paths, (rest, completions), strict=True):
        path.write_bytes(gzip.compress(b"".join(lines), mtime=0))
    return paths


def _assert_same_rows(db: Path, refreshed: Path, relations: list[str]) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(f"attach '{refreshed}' as refreshed (read_only)")
        for name in relations:
            for left, right in ((f"main.{name}", f"refreshed.main.{name}"), (f"refreshed.main.{name}", f"main.{name}")):
                diff = con.execute(f"select count(*) from (from {left} except all from {right})").fetchone()[0]
                assert diff == 0, f"{name}: {diff} rows differ between the incremental and the full-refresh build"


def test_incremental_nightly_build_equals_a_full_refresh(sample: tuple[Path, dict], tmp_path: Path) -> None:
    """Three nights of loads, built incrementally, give every model exactly the rows a full refresh gives.

    Night 1 loads the first half of the days, except one file of day 2 (it arrives late) and the Training
    Completed lines of one file (their Training Started are in night 1). Night 2 loads the rest, the late
    file for the old day and those completions. Night 3 loads nothing.
    """
    out, _ = sample
    days = sorted(path for path in (out / "segment-logs").glob("*/*") if path.is_dir())
    early, late_day, rest = days[: len(days) // 2], days[1], days[len(days) // 2 :]
    late_file = sorted(late_day.glob("*.gz"))[-1]
    split_file = max(sorted(days[0].glob("*.gz")), key=lambda path: path.stat().st_size)
    rest_of_split, completions = _split_off_completions(split_file, tmp_path / "split")
    db = tmp_path / "nightly.duckdb"
    night_1 = [str(f) for day in early for f in sorted(day.glob("*.gz")) if f not in (late_file, split_file)]
    assert not load([*night_1, str(rest_of_split)], db).with_status("failed")
    dbt(db, tmp_path, "build")
    held_back = {
        json.loads(line)["properties"]["training_id"] for line in gzip.decompress(completions.read_bytes()).splitlines()
    }
    runs = "select is_completed, count(*) from fct_training_runs where training_id in (select unnest($ids)) group by 1"
    with duckdb.connect(str(db), read_only=True) as con:  # their runs are open: started, not completed
        states = dict(con.execute(runs, {"ids": sorted(held_back)}).fetchall())
    assert states.get(False, 0) > 0 and True not in states

    assert not load([str(day) for day in rest] + [str(late_file), str(completions)], db).with_status("failed")
    dbt(db, tmp_path, "build")
    with duckdb.connect(str(db), read_only=True) as con:  # the open runs were completed by the later load
        assert set(dict(con.execute(runs, {"ids": sorted(held_back)}).fetchall())) == {True}
    assert query(db, f"select count(*) > 0 from stg_telemetry__events where source_file = '{late_file}'") == [(True,)]

    dbt(db, tmp_path, "build")  # night 3: no new loads; nothing may be appended twice
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(db, refreshed)
    dbt(refreshed, tmp_path, "build", "--full-refresh")
    relations = _relations(db)
    assert _incremental_models(tmp_path) <= set(relations)
    assert {"stg_telemetry__events", "fct_training_runs", "quality_property_type_violations"} <= _incremental_models(
        tmp_path
    )
    _assert_same_rows(db, refreshed, relations)
