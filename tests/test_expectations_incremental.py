"""GX runs are incremental on load_id: a nightly run validates only the new loads and reports cumulative results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from common.spec import event_slug
from expectations import runner
from expectations import suites as suite_files
from expectations.cli import main
from expectations.report import OFFLINE_CSS
from expectations.run import connect
from loaders.schema import ensure_schema
from tests.test_expectations import CLEAN, CONTEXT, USER

Row = tuple[str, str, dict]  # (message_id, event, properties changes)


def _land(db: Path, load_id: int, rows: list[Row]) -> None:
    """Append ``rows`` to raw.events as load ``load_id`` (each a clean message of its event, changed)."""
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.executemany(
        "insert into raw.events (message_id, event, user_id, event_at, event_at_source, message_type, properties, "
        "context, is_generated_message_id, load_id, source_file, file_sha256, line_number) values "
        "(?, ?, ?, timestamp '2023-01-02', 'timestamp', 'track', ?::json, ?::json, false, ?, 'f.gz', 'abc', ?)",
        [
            (mid, event, USER, json.dumps({**CLEAN[event], **change, "metrics_id": USER}), json.dumps(CONTEXT),
             load_id, line)
            for line, (mid, event, change) in enumerate(rows, 1)
        ],
    )  # fmt: skip
    con.close()


def _clean(prefix: str, event: str, copies: int) -> list[Row]:
    return [(f"{prefix}-{event_slug(event)}-{i}", event, {}) for i in range(copies)]


#: Load 1: clean rows plus a few violations. Load 2: more violations, one bad fraction that fails the batch on
#: its own (1 in 10) but not the cumulative rows (1 in 310 at mostly 0.99), and a copy of a load-1 message_id.
LOAD_1: list[Row] = [
    *_clean("a", "Training Started", 20),
    *_clean("a", "Training Data Split", 300),
    ("a-bad-1", "Training Started", {"num_actions": "12"}),
    ("a-bad-2", "Shell Started", {"type": "core"}),
]
LOAD_2: list[Row] = [
    *_clean("b", "Training Started", 5),
    *_clean("b", "Training Data Split", 9),
    ("b-bad-1", "Training Started", {"num_actions": 12.5}),
    ("b-bad-2", "Training Data Split", {"fraction": 80}),
    ("a-training_started-0", "Training Started", {}),  # the loader's dedup broke: an id of load 1 again
]


def _run(db: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["--db", str(db), "--out", str(out), *extra])
    return code, json.loads((out / "summary.json").read_text())


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    """What a run decided and counted, without run-specific fields (times, pages, mode)."""

    def issue(item: dict[str, Any]) -> tuple:
        values = sorted(json.dumps(value) for value in item["unexpected_values"])
        counts = (item["element_count"], item["missing_count"], item["unexpected_count"])
        return (item["kwargs"]["column"], *counts, item["success"], values, sorted(item["sample_message_ids"]))

    suites = {
        s["suite"]: (s["rows"], s["success"], s["expectations_failed"], [issue(item) for item in s["issues"]])
        for s in summary["suites"]
    }
    return {"success": summary["success"], "types": summary["type_violations"], "suites": suites}


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The batch outcomes GX returned, per run (what GX itself counted)."""
    calls: list[list[Any]] = []
    validate = runner.validate

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(validate(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(runner, "validate", spy)
    return calls


def test_incremental_run_equals_a_full_run(tmp_path: Path, seen: list[list[Any]]) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 1, LOAD_1)
    first_code, first = _run(db, tmp_path / "r1")
    assert first["mode"] == "full" and first_code == 1  # Training Started's num_actions: 1 in 21 rows
    gx_says = {(suite.suite, item.ordinal): item.success for suite in seen[0] for item in suite.expectations}
    ours = {(suite["suite"], item["ordinal"]): item["success"] for suite in first["suites"] for item in suite["issues"]}
    assert ours == {key: success for key, success in gx_says.items() if key in ours}  # GX's own rule, and
    assert {key for key, success in gx_says.items() if not success} == {key for key, ok in ours.items() if not ok}
    _land(db, 2, LOAD_2)
    code, nightly = _run(db, tmp_path / "r2")
    assert nightly["mode"] == "incremental" and nightly["validated"] == {"loads": 1, "rows": len(LOAD_2)}
    # GX saw only load 2: each validated suite's batch had exactly its new rows
    batch = {suite.suite: suite.expectations[0].element_count for suite in seen[-1]}
    assert batch == {"envelope": len(LOAD_2), "training_started": 7, "training_data_split": 10}
    split = next(s for s in seen[-1] if s.suite == "training_data_split")
    assert not split.success  # on its own, load 2 fails the fraction range (1 in 10) ...
    shutil.copy(db, tmp_path / "copy.duckdb")
    full_code, full = _run(tmp_path / "copy.duckdb", tmp_path / "r3", "--full")
    assert full["mode"] == "full" and full["reason"] == "--full"
    assert _figures(nightly) == _figures(full) and code == full_code == 1
    suites = {s["suite"]: s for s in nightly["suites"]}
    assert suites["training_data_split"]["success"]  # ... cumulatively 1 in 310 is within mostly 0.99
    fraction = next(i for i in suites["training_data_split"]["issues"] if i["kwargs"]["column"] == "fraction")
    assert (fraction["element_count"], fraction["unexpected_count"]) == (310, 1)
    assert nightly["type_violations"] == {"Training Started": {"num_actions": 2}}
    copies = next(i for i in suites["envelope"]["issues"] if i["kwargs"]["column"] == "message_id_copies")
    assert copies["unexpected_count"] == 1 and copies["sample_message_ids"] == ["a-training_started-0"]
    assert suites["envelope"]["rows"] == len(LOAD_1) + len(LOAD_2)


def test_a_run_with_nothing_new_reports_without_gx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 1, LOAD_1)
    code, before = _run(db, tmp_path / "r")
    monkeypatch.setattr(runner, "validate", lambda *args, **kwargs: pytest.fail("GX ran with nothing new"))
    again_code, again = _run(db, tmp_path / "r")
    assert again["validated"] == {"loads": 0, "rows": 0} and again["mode"] == "incremental"
    assert _figures(again) == _figures(before) and again_code == code
    pages = [s["validation_page"] for s in again["suites"] if s["rows"]]
    assert pages and all(page and (tmp_path / "r" / "data_docs" / page).is_file() for page in pages)


def test_changed_suites_rebuild_everything(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 1, LOAD_1)
    _run(db, tmp_path / "r")
    edited = tmp_path / "suites"
    shutil.copytree(suite_files.SUITES_DIR, edited)
    path = edited / "training_started.json"
    suite = json.loads(path.read_text())
    rule = next(e for e in suite["expectations"] if e["kwargs"].get("column") == "num_actions__json_type")
    rule["kwargs"]["mostly"] = 0.9  # 1 bad row in 21 is now tolerated
    path.write_text(json.dumps(suite))
    _land(db, 2, LOAD_2)
    _, rebuilt = _run(db, tmp_path / "r", "--suites", str(edited))
    assert rebuilt["mode"] == "full" and "suites" in rebuilt["reason"]
    assert rebuilt["validated"]["rows"] == rebuilt["cumulative"]["rows"] == len(LOAD_1) + len(LOAD_2)
    started = next(s for s in rebuilt["suites"] if s["suite"] == "training_started")
    assert started["success"] and started["rows"] == 28  # 2 bad in 28 rows: within 0.9, counted once
    _, same = _run(db, tmp_path / "r", "--suites", str(edited))
    assert same["mode"] == "incremental" and same["validated"]["rows"] == 0


def test_a_failed_run_leaves_its_loads_for_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 1, LOAD_1)
    _run(db, tmp_path / "r")
    _land(db, 2, LOAD_2)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("GX broke")

    monkeypatch.setattr(runner, "validate", broken)
    assert main(["--db", str(db), "--out", str(tmp_path / "r")]) == 2
    monkeypatch.undo()
    _, summary = _run(db, tmp_path / "r")
    assert summary["validated"] == {"loads": 1, "rows": len(LOAD_2)}
    assert (summary["cumulative"]["runs"], summary["cumulative"]["rows"]) == (2, len(LOAD_1) + len(LOAD_2))


def test_an_older_load_appearing_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 5, LOAD_1)
    _run(db, tmp_path / "r")
    _land(db, 3, LOAD_2)
    _, summary = _run(db, tmp_path / "r")
    assert summary["mode"] == "full" and "older" in summary["reason"]


def test_duckdb_resources_come_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "wh.duckdb"
    _land(db, 1, LOAD_1[:3])
    spill = tmp_path / "spill"
    monkeypatch.setenv("TELEMETRY_DB_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("TELEMETRY_DB_THREADS", "1")
    monkeypatch.setenv("TELEMETRY_DB_TEMP_DIR", str(spill))
    assert "memory_limit=300MB" in runner.connection_string(db) and "threads=1" in runner.connection_string(db)
    con = connect(db)
    found = con.execute(
        "select current_setting('threads'), current_setting('temp_directory'), current_setting('memory_limit')"
    ).fetchone()
    con.close()
    assert found is not None and found[:2] == (1, str(spill)) and found[2].startswith("286")  # 300 MB in MiB
    monkeypatch.setenv("TELEMETRY_DB_MEMORY_LIMIT", "no such size")
    assert main(["--db", str(db), "--out", str(tmp_path / "r")]) == 2


def test_nightly_data_docs_in_the_same_folder(tmp_path: Path) -> None:
    db, out = tmp_path / "wh.duckdb", tmp_path / "r"
    _land(db, 1, LOAD_1)
    _run(db, out)
    _land(db, 2, LOAD_2)
    _, summary = _run(db, out)
    docs = out / "data_docs"
    for page in docs.rglob("*.html"):  # the definition pages kept from the first run are not made offline twice
        text = page.read_text()
        assert text.count(OFFLINE_CSS) == 1 and "<script" not in text, page
    assert {page.stem for page in (docs / "expectations").glob("*.html")} == set(suite_files.build_suites())
    results = {page.relative_to(docs / "validations").parts[0] for page in (docs / "validations").rglob("*.html")}
    assert results == {"envelope", "training_started", "training_data_split"}  # this run's batches only
    linked = {s["suite"] for s in summary["suites"] if s["validation_page"]}
    assert linked == results and all(
        (docs / s["validation_page"]).is_file() for s in summary["suites"] if s["suite"] in linked
    )
