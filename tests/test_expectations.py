"""The GX suites: generated from the seed, run inside DuckDB, report exactly what was injected."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from common import codegen
from common.settings import REPO_ROOT
from common.spec import event_slug, events
from expectations import projection
from expectations import suites as suite_files
from expectations.cli import main
from loaders.schema import ensure_schema

USER = "37696a59d4d84e4bbeeda0fc7ad4cd92"
HASH = "8f59b085b0e7583d358c7f8d51d4d4e737b7a733d7d078c2b84286fca7e9cc5b"
CONTEXT = {"os": {"name": "Linux", "version": "5.4.0"}, "ci": False, "project": HASH, "directory": HASH}

#: One clean message per event, as the code sends it (wire-format.md §3-4).
CLEAN: dict[str, dict] = {
    "Training Started": {
        "language": None,
        "training_id": "0b1e3c5bd6a54a2f9a0a0f1c2d9e7b44",
        "type": "rasa",
        "pipeline": [{"name": "WhitespaceTokenizer"}],
        "policies": None,
        "num_intent_examples": 68,
        "num_actions": 18,
        "is_finetuning": False,
    },
    "Training Completed": {"training_id": "0b1e3c5bd6a54a2f9a0a0f1c2d9e7b44", "type": "nlu", "runtime": 0},
    "Server Started": {
        "input_channels": ["rest"],
        "api_enabled": True,
        "number_of_workers": 1,
        "endpoints_nlg": None,
        "project": None,
    },
    "Shell Started": {"type": "nlu"},
    "Training Data Split": {"fraction": 1, "type": "nlu"},  # an integer where a number is expected is fine
    "Training Data Converted": {"output_format": "yaml", "type": "responses"},
    "Telemetry Disabled": {},
}


def _insert(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, dict, dict]]) -> None:
    """Insert ``(message_id, event, properties, context)`` rows into raw.events."""
    con.executemany(
        "insert into raw.events (message_id, event, user_id, event_at, event_at_source, message_type, "
        "properties, context, is_generated_message_id, load_id, source_file, file_sha256, line_number) "
        "values (?, ?, ?, timestamp '2023-01-02', 'timestamp', 'track', ?::json, ?::json, false, 1, "
        "'test.gz', 'abc', ?)",
        [
            (mid, event, USER, json.dumps(props), json.dumps(ctx), line)
            for line, (mid, event, props, ctx) in enumerate(rows)
        ],
    )


def _warehouse(tmp_path: Path, rows: list[tuple[str, str, dict, dict]]) -> Path:
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    ensure_schema(con)
    _insert(con, rows)
    con.close()
    return db


def _clean_rows(copies: int = 50) -> list[tuple[str, str, dict, dict]]:
    rows = []
    for event, props in CLEAN.items():
        for i in range(copies):
            rows.append((f"api-{event_slug(event)}-{i}", event, {**props, "metrics_id": USER}, CONTEXT))
    return rows


def _run(db: Path, out: Path) -> tuple[int, dict]:
    code = main(["--db", str(db), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
    return code, summary


# --- suites and the seed ------------------------------------------------------------------------


def test_committed_suites_match_the_seed() -> None:
    problems = [problem for problem in codegen.drift(codegen.outputs()) if problem.startswith("expectations/")]
    assert problems == [], f"run `python -m common generate`: {problems}"


def test_one_suite_per_event_with_one_type_rule_per_property() -> None:
    built = suite_files.build_suites()
    spec = events()
    assert set(built) == {suite_files.ENVELOPE} | {event_slug(event) for event in spec}
    for event, props in spec.items():
        rules = [e for e in built[event_slug(event)]["expectations"] if e["meta"]["rule"] == "json_type"]
        assert [rule["meta"]["property"] for rule in rules] == [prop.property for prop in props]
        for rule, prop in zip(rules, props, strict=True):
            assert ("NULL" in rule["kwargs"]["value_set"]) == prop.nullable
            assert 0 < rule["kwargs"]["mostly"] <= 1


def test_generate_is_no_longer_a_gx_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate"]) == 2
    assert "python -m common generate" in capsys.readouterr().err


# --- running the checkpoint ---------------------------------------------------------------------


def test_clean_data_passes_every_suite(tmp_path: Path) -> None:
    db = _warehouse(tmp_path, _clean_rows())
    code, summary = _run(db, tmp_path / "report")
    assert code == 0, json.dumps([s for s in summary.get("suites", []) if not s["success"]], indent=1)
    assert summary["success"] and summary["type_violations"] == {}
    assert {s["suite"] for s in summary["suites"]} == set(suite_files.build_suites())
    assert next(s for s in summary["suites"] if s["suite"] == "envelope")["rows"] == len(_clean_rows())


def test_injected_violations_are_counted_exactly(tmp_path: Path) -> None:
    rows = _clean_rows()
    bad = [
        ("bad-1", "Training Started", {"num_actions": "12"}),  # integer as string
        ("bad-2", "Training Started", {"num_actions": 12.5}),  # integer as number
        ("bad-3", "Training Started", {"is_finetuning": "false"}),  # boolean as string
        ("bad-4", "Training Started", {"training_id": None}),  # null where not nullable
        ("bad-5", "Server Started", {"input_channels": "rest"}),  # string where a list is expected
        ("bad-6", "Training Data Split", {"fraction": "0.8"}),  # number as string
        ("bad-7", "Shell Started", {"type": ["nlu"]}),  # list where a string is expected
    ]
    fine = [
        ("ok-1", "Training Started", {"language": None, "pipeline": None}),  # nullable
        ("ok-2", "Training Started", {"num_regexes": 0}),  # a property the clean rows lack: present and right
    ]
    for mid, event, change in bad + fine:
        props = {**CLEAN[event], **change, "metrics_id": USER}
        rows.append((mid, event, props, CONTEXT))
    rows.append(("absent-1", "Training Started", {"metrics_id": USER}, CONTEXT))  # absent: not a violation
    db = _warehouse(tmp_path, rows)
    code, summary = _run(db, tmp_path / "report")
    assert code == 1
    assert summary["type_violations"] == {
        "Training Started": {"num_actions": 2, "is_finetuning": 1, "training_id": 1},
        "Server Started": {"input_channels": 1},
        "Training Data Split": {"fraction": 1},
        "Shell Started": {"type": 1},
    }
    suite = next(s for s in summary["suites"] if s["event"] == "Training Started")
    issue = next(i for i in suite["issues"] if i["meta"].get("property") == "num_actions")
    assert not issue["success"] and sorted(issue["sample_message_ids"]) == ["bad-1", "bad-2"]
    assert {row["value"] for row in issue["unexpected_values"]} == {"VARCHAR", "DOUBLE"}
    markdown = (tmp_path / "report" / "summary.md").read_text()
    assert "**FAIL**" in markdown and "`bad-5`" in markdown


def test_value_rules(tmp_path: Path) -> None:
    rows = _clean_rows()
    changes = [
        ("v-1", "Shell Started", {"type": "core"}),
        ("v-2", "Training Data Split", {"fraction": 80}),
        ("v-3", "Training Data Split", {"fraction": 0}),
        ("v-4", "Training Started", {"num_actions": -1}),
        ("v-5", "Training Completed", {"runtime": -3}),
        ("v-6", "Training Data Converted", {"output_format": "xml"}),
    ]
    for mid, event, change in changes:
        rows.append((mid, event, {**CLEAN[event], **change, "metrics_id": USER}, CONTEXT))
    rows.append(("v-7", "Shell Started", {"type": "rasa", "metrics_id": "x" * 32}, {**CONTEXT, "project": "no"}))
    db = _warehouse(tmp_path, rows)
    code, summary = _run(db, tmp_path / "report")
    assert code == 1 and summary["type_violations"] == {}
    found = {
        (s["suite"], i["kwargs"]["column"]): (i["unexpected_count"], i["sample_message_ids"])
        for s in summary["suites"]
        for i in s["issues"]
    }
    assert found == {
        ("shell_started", "type"): (1, ["v-1"]),
        ("training_data_split", "fraction"): (2, ["v-2", "v-3"]),
        ("training_started", "num_actions"): (1, ["v-4"]),
        ("training_completed", "runtime"): (1, ["v-5"]),
        ("training_data_converted", "output_format"): (1, ["v-6"]),
        ("envelope", "metrics_id_matches_user_id"): (1, ["v-7"]),
        ("envelope", "context_project_is_hex64"): (1, ["v-7"]),
    }


def test_own_pass_and_shared_pass_project_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big event's table comes from its own pass, a small one's is cut from the shared table: same rows."""
    rows = _clean_rows(3)
    for i, (event, change) in enumerate(
        [
            ("Training Started", {"num_actions": "12", "is_finetuning": None}),
            ("Training Data Split", {"fraction": 80}),
            ("Shell Started", {"type": ["nlu"]}),
            ("Server Started", {"number_of_workers": -1.5, "input_channels": "rest"}),
        ]
    ):
        rows.append((f"odd-{i}", event, {**CLEAN[event], **change, "metrics_id": USER}, CONTEXT))
    rows.append(("odd-list", "Shell Started", [1, 2], CONTEXT))  # properties not an object
    db = _warehouse(tmp_path, rows)
    suites = suite_files.load_suites(suite_files.SUITES_DIR)
    tables: dict[float, dict[str, list[tuple]]] = {}
    for share in (0.0, 2.0):  # every event with rows in its own pass / every event in the shared pass
        monkeypatch.setattr(projection, "OWN_PASS_SHARE", share)
        con = duckdb.connect(str(db))
        counts = projection.materialize(con, suites)
        tables[share] = {name: con.execute(f"select * from gx.{name}").fetchall() for name in counts}
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'gx'").fetchone() == (len(suites),)
        con.close()
    assert tables[0.0] == tables[2.0]
    assert len(tables[0.0]["envelope"]) == len(rows) and len(tables[0.0]["shell_started"]) == 5
    shell = tables[0.0]["shell_started"][-2:]  # every table ends with the row's load_id
    assert shell == [("odd-2", "ARRAY", None, "VARCHAR", 1), ("odd-list", None, None, None, 1)]
    root_types = {row[0]: row[-2] for row in tables[0.0]["envelope"]}  # properties_json_type, then load_id
    assert root_types["odd-list"] == "ARRAY" and set(root_types.values()) == {"OBJECT", "ARRAY"}


def test_root_type_from_the_first_byte_is_json_type() -> None:
    values = ['{"a": 1}', "[1]", '"s"', "true", "false", "null", "7", "-7", "1.5", "18446744073709551615", " {}"]
    con = duckdb.connect()
    con.execute("create table t (properties json)")
    con.executemany("insert into t values (?)", [(value,) for value in values])
    found = con.execute(f"select {projection._ROOT_TYPE}, json_type(properties) from t").fetchall()
    assert [ours for ours, _ in found] == [theirs for _, theirs in found]
    assert {ours for ours, _ in found} == set(projection._KINDS)


def test_duplicate_message_ids_fail_the_envelope(tmp_path: Path) -> None:
    rows = _clean_rows(5)
    rows += [rows[0], rows[0]]  # three copies of one id
    code, summary = _run(_warehouse(tmp_path, rows), tmp_path / "report")
    envelope = next(s for s in summary["suites"] if s["suite"] == "envelope")
    assert code == 1 and not envelope["success"]
    # message_id_copies numbers the copies in landing order: every copy after the first is unexpected
    issues = [(i["kwargs"]["column"], i["unexpected_count"], i["sample_message_ids"]) for i in envelope["issues"]]
    assert issues == [("message_id_copies", 2, [rows[0][0]])]


def test_data_docs_do_not_phone_home(tmp_path: Path) -> None:
    _run(_warehouse(tmp_path, _clean_rows(3)), tmp_path / "report")
    docs = tmp_path / "report" / "data_docs"
    pages = list(docs.rglob("*.html"))
    assert (docs / "index.html") in pages and len(pages) > 20
    remote = re.compile(r"<(script|link|img)\b[^>]*(src|href)=\"https?://", re.I)
    for page in pages:
        text = page.read_text()
        assert not remote.search(text), page
        assert not re.search(r"url\(['\"]?https?://", text), page  # CSS backgrounds fetch too
        assert "<script" not in text, page
    index = (docs / "index.html").read_text()
    for link in re.findall(r'href="([^"]+)"', index):
        assert (docs / link).exists(), link
    for css in docs.rglob("*.css"):
        assert "https://" not in css.read_text()


# --- could not run: exit 2 ----------------------------------------------------------------------


def test_missing_warehouse_and_missing_table_exit_2(tmp_path: Path) -> None:
    assert main(["--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "r")]) == 2
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["--db", str(empty), "--out", str(tmp_path / "r")]) == 2


def test_locked_warehouse_exits_2(tmp_path: Path) -> None:
    db = _warehouse(tmp_path, _clean_rows(1))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert main(["--db", str(db), "--out", str(tmp_path / "r")]) == 2
    finally:
        holder.kill()
        holder.wait()


def test_cli_help_and_default_command(tmp_path: Path) -> None:
    env = {**os.environ, "TELEMETRY_DB": str(tmp_path / "missing.duckdb")}
    python = [sys.executable, "-m", "expectations"]
    assert subprocess.run([*python, "--help"], cwd=REPO_ROOT, capture_output=True).returncode == 0
    missing = subprocess.run(python, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "does not exist" in missing.stderr


# --- end to end with the sample generator and the loader ----------------------------------------


@pytest.mark.parametrize("bad_fraction", [0.0, 0.02])
def test_generated_sample_matches_manifest(tmp_path: Path, bad_fraction: float) -> None:
    sample, db = tmp_path / "sample", tmp_path / "wh.duckdb"
    env = {**os.environ, "TELEMETRY_DB": str(db)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "generator", "--events", "3000", "--days", "3", "--seed", "7", "--out", str(sample),
         "--bad-fraction", str(bad_fraction)],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run([sys.executable, "-m", "loaders", "load", str(sample)], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    manifest = json.loads((sample / "manifest.json").read_text())
    code, summary = _run(db, tmp_path / "report")
    assert summary["type_violations"] == manifest["type_violations"]
    if bad_fraction == 0:
        assert code == 0 and summary["success"], summary
    assert time.perf_counter() - started < 300
