"""The spec seed and everything generated from it agree: ``python -m common generate --check``, and the checks
that the generator and the files it fills can fail."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from common import codegen, settings
from common.cli import main
from common.codegen import staging_sql
from common.settings import REPO_ROOT
from common.spec import SPEC_PATH, event_slug, events, load_spec

STAGING = REPO_ROOT / "models" / "staging"


def test_generated_files_are_up_to_date() -> None:
    """The `--check` the README asks for after a seed edit: every generated file matches its sources."""
    assert main(["generate", "--check"]) == 0, "run `python -m common generate`"


def _seed_with(tmp_path: Path, *rows: list[str]) -> Path:
    changed = tmp_path / "spec.csv"
    with SPEC_PATH.open(newline="", encoding="utf-8") as source, changed.open("w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerows([*csv.reader(source), *rows])
    return changed


def test_a_seed_change_changes_the_generated_files(tmp_path: Path) -> None:
    """Adding an event type is seed rows plus one command: the new event gets its model, docs and suite."""
    changed = _seed_with(
        tmp_path,
        ["Shell Started", "brand_new", "integer", "false", "New.", "9.9+", "false", ""],
        ["Brand New Event", "metrics_id", "string", "false", "The install's id.", "9.9+", "false", ""],
    )
    found = {output.path: output.text for output in codegen.outputs(spec_path=changed)}
    current = {output.path: output.text for output in codegen.outputs()}
    assert (
        "{{ typed_property('brand_new', 'integer') }} as brand_new"
        in found["models/staging/stg_telemetry__shell_started.sql"]
    )
    assert "- name: brand_new\n        data_type: bigint" in found["models/staging/_staging__models.yml"]
    assert "where\n        event = 'Brand New Event'" in found["models/staging/stg_telemetry__brand_new_event.sql"]
    assert "expectations/suites/brand_new_event.json" in found
    assert "ref('stg_telemetry__brand_new_event')" in found["models/quality/quality_property_type_violations.sql"]
    assert "{input: ref('stg_telemetry__brand_new_event'), rows: []}" in found["models/quality/_quality__models.yml"]
    changed_paths = {path for path, text in found.items() if current.get(path) != text}
    assert "models/staging/stg_telemetry__training_started.sql" not in changed_paths


def _generated_copy(tmp_path: Path) -> Path:
    """A copy of the repo's generated files (and the files holding generated blocks) under ``tmp_path``."""
    found = codegen.outputs()
    for output in found:
        target = tmp_path / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / output.path, target)
    for folder, _ in codegen.OWNED:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    return tmp_path


def test_check_lists_stale_missing_and_orphaned_files_and_generate_fixes_them(tmp_path: Path) -> None:
    root = _generated_copy(tmp_path)
    found = codegen.outputs()
    assert codegen.drift(found, root) == []
    model = root / "models/staging/stg_telemetry__shell_started.sql"
    model.write_text(model.read_text().replace("'string'", "'integer'"))
    (root / "expectations/suites/envelope.json").unlink()
    (root / "models/staging/stg_telemetry__no_such_event.sql").write_text("select 1\n")
    sources = root / "models/staging/_staging__sources.yml"
    sources.write_text(sources.read_text().replace('"too_large"', '"too_big"'))
    assert set(codegen.drift(found, root)) == {
        "models/staging/stg_telemetry__shell_started.sql: out of date",
        "expectations/suites/envelope.json: missing",
        "models/staging/_staging__sources.yml: out of date",
        "models/staging/stg_telemetry__no_such_event.sql: not generated from the seed any more (remove it)",
    }
    written, removed = codegen.write(found, root)
    assert set(written) == {
        "models/staging/stg_telemetry__shell_started.sql",
        "expectations/suites/envelope.json",
        "models/staging/_staging__sources.yml",
    }
    assert removed == ["models/staging/stg_telemetry__no_such_event.sql"]
    assert codegen.drift(found, root) == []


def test_a_file_without_its_markers_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _generated_copy(tmp_path)
    readme = root / "README.md"
    readme.write_text(re.sub(r"<!-- END GENERATED reject_reasons -->\n", "", readme.read_text()))
    with pytest.raises(codegen.blocks.MarkerError, match=r"README\.md"):
        codegen.outputs(root=root)
    real_outputs = codegen.outputs
    monkeypatch.setattr(codegen, "outputs", lambda: real_outputs(root=root))
    assert main(["generate", "--check"]) == 2  # exit 2: could not run


def test_every_spec_event_has_exactly_one_model_file() -> None:
    expected = {f"stg_telemetry__{event_slug(event)}.sql": event for event in events()}
    present = {path.name for path in STAGING.glob("stg_telemetry__*.sql")} - {"stg_telemetry__events.sql"}
    assert present == set(expected), "staging model files and spec events differ"
    for name, event in expected.items():
        sql = (STAGING / name).read_text(encoding="utf-8")
        assert f"event = '{event}'" in sql, f"{name} must select the {event!r} events"
        for spec in events()[event]:
            assert f"typed_property('{spec.property}', '{spec.json_type}') }}}} as {spec.property}" in sql


def test_the_sql_event_slug_matches_the_python_one() -> None:
    macros = (REPO_ROOT / "macros" / "telemetry.sql").read_text(encoding="utf-8")
    body = re.search(r"macro duckdb__event_slug\(event_expr\) -%}\s*(.*?)\s*{%- endmacro", macros, re.S)
    assert body
    names = [*events(), "  Model NLU Tested ", "E2E Test Run Started", "rasa-x: local (started)"]
    with duckdb.connect() as con:
        for name in names:
            sql = body.group(1).replace("{{ event_expr }}", "$name")
            assert con.execute(f"select {sql}", {"name": name}).fetchone()[0] == event_slug(name), name


def test_seed_is_well_formed() -> None:
    specs = load_spec()
    keys = [(spec.event, spec.property) for spec in specs]
    assert len(keys) == len(set(keys)), "duplicate (event, property) rows"
    for event, props in events().items():
        metrics = [p for p in props if p.property == "metrics_id"]
        assert len(metrics) == 1 and metrics[0].json_type == "string" and not metrics[0].nullable, event
        assert all(p.description.strip() and p.rasa_versions.strip() for p in props), event


def test_a_property_named_like_a_staging_column_is_refused() -> None:
    clash = dataclasses.replace(events()["Shell Started"][0], property="user_id")
    with pytest.raises(ValueError, match="user_id"):
        staging_sql.event_model("Shell Started", (clash,))


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


def test_profiles_yml_defaults_are_the_settings_defaults() -> None:
    """profiles.yml reads the same environment variables, with the same defaults, as common/settings.py."""
    text = (REPO_ROOT / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('{settings.MEMORY_LIMIT_ENV}', '{settings.DEFAULT_MEMORY_LIMIT}')" in text
    assert text.count(f"env_var('{settings.THREADS_ENV}', '{settings.DEFAULT_THREADS}')") == 2
    assert f"env_var('{settings.TEMP_DIR_ENV}', env_var('TELEMETRY_DB', 'warehouse.duckdb') ~ '.tmp')" in text
