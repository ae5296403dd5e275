"""The spec seed, the generated staging yml, the staging model files and the macros agree."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# `pytest` (unlike `python -m pytest`) does not put the repo root on sys.path.
sys.path.insert(0, str(REPO_ROOT))

from common.spec import SPEC_PATH, SQL_TYPES, event_slug, events, load_spec  # noqa: E402

STAGING = REPO_ROOT / "models" / "staging"
MACROS = REPO_ROOT / "macros"


def _generator() -> ModuleType:
    path = REPO_ROOT / "scripts" / "generate_staging_yml.py"
    spec = importlib.util.spec_from_file_location("generate_staging_yml", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_staging_yml_matches_the_seed() -> None:
    generator = _generator()
    committed = generator.OUTPUT.read_text(encoding="utf-8")
    assert committed == generator.render(), (
        "models/staging/_staging__models.yml is out of date: run python scripts/generate_staging_yml.py"
    )


def test_a_seed_change_changes_the_yml(tmp_path: Path) -> None:
    """The sync check above can fail: a new property in the seed must change the generated yml."""
    generator = _generator()
    changed = tmp_path / "spec.csv"
    with SPEC_PATH.open(newline="", encoding="utf-8") as source, changed.open("w", newline="") as target:
        rows = list(csv.reader(source))
        writer = csv.writer(target, lineterminator="\n")
        writer.writerows([*rows, ["Shell Started", "brand_new", "integer", "false", "New.", "9.9+", "false"]])
    rendered = generator.render(changed)
    assert rendered != generator.OUTPUT.read_text(encoding="utf-8")
    assert "- name: brand_new" in rendered


def test_check_mode_reports_up_to_date() -> None:
    assert _generator().main(["--check"]) == 0


def test_every_spec_event_has_exactly_one_model_file() -> None:
    expected = {f"stg_telemetry__{event_slug(event)}.sql": event for event in events()}
    present = {path.name for path in STAGING.glob("stg_telemetry__*.sql")} - {"stg_telemetry__events.sql"}
    assert present == set(expected), "staging model files and spec events differ"
    for name, event in expected.items():
        sql = (STAGING / name).read_text(encoding="utf-8")
        assert f"telemetry_event_columns('{event}')" in sql, f"{name} must build its columns for {event!r}"
        assert f"where event = '{event}'" in sql, f"{name} must select the {event!r} events"


def test_seed_is_well_formed() -> None:
    specs = load_spec()
    keys = [(spec.event, spec.property) for spec in specs]
    assert len(keys) == len(set(keys)), "duplicate (event, property) rows"
    for event, props in events().items():
        metrics = [p for p in props if p.property == "metrics_id"]
        assert len(metrics) == 1 and metrics[0].json_type == "string" and not metrics[0].nullable, event
        assert all(p.description.strip() and p.rasa_versions.strip() for p in props), event


@pytest.mark.parametrize(
    ("event", "prop", "json_type", "nullable"),
    [
        ("Training Started", "pipeline", "array<object>", True),
        ("Training Started", "train_schema", "object", True),
        ("Training Completed", "runtime", "integer", False),
        ("Training Data Split", "fraction", "number", False),
        ("Server Started", "input_channels", "array<string>", False),
        ("Server Started", "endpoints_lock_store", "string", True),
        ("Markers Extraction Initiated", "count", "integer", True),
    ],
)
def test_seed_uses_the_real_wire_types(event: str, prop: str, json_type: str, nullable: bool) -> None:
    spec = {(s.event, s.property): s for s in load_spec()}[(event, prop)]
    assert (spec.json_type, spec.nullable) == (json_type, nullable)


def test_no_property_that_no_release_sends() -> None:
    assert "num_chunks" not in {spec.property for spec in load_spec()}


def test_macro_sql_types_match_loaders_spec() -> None:
    text = (MACROS / "json.sql").read_text(encoding="utf-8")
    block = text[text.index("{% macro spec_sql_type(") :]
    block = block[: block.index("} -%}")]
    pairs = dict(re.findall(r'"([a-z<>]+)": "([A-Z\[\]]+)"', block))
    assert pairs == SQL_TYPES


def test_macro_envelope_matches_generator() -> None:
    text = (MACROS / "telemetry.sql").read_text(encoding="utf-8")
    block = text[text.index("{% macro telemetry_event_columns(") :]
    block = block[block.index("{%- set columns = [") : block.index("] -%}")]
    assert tuple(re.findall(r'"([a-z_]+)"', block)) == _generator().ENVELOPE_COLUMNS
