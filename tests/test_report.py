"""The telemetry report (python -m report): every chart shows its mart's rows as they are, the page has no
remote URL, an empty warehouse gives empty states, and the CLI's exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from report import catalog, cli, page
from report.queries import jsonable
from tests.report_fixtures import REPO, empty_warehouse

#: Vega-Lite that computes numbers; a chart must show the mart's numbers, so none of these may appear.
COMPUTING = {"aggregate", "bin", "calculate", "joinaggregate", "window", "density", "regression", "loess",
             "quantile", "pivot", "impute", "extent"}  # fmt: skip

#: A reference that would make the browser fetch from the network.
REMOTE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["']?\s*)https?://""",
    re.I,
)


def remote_references(text: str) -> list[str]:
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in REMOTE.finditer(text)]


@pytest.fixture(scope="module")
def built(report_sample: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[page.Report, Path]:
    db, gx_summary = report_sample
    out = tmp_path_factory.mktemp("report") / "index.html"
    with duckdb.connect(str(db), read_only=True) as con:
        report = page.build(con, db, out.parent, gx_summary)
    out.write_text(page.html_page(report), encoding="utf-8")
    return report, db


def _mart_rows(db: Path, query: Any) -> list[dict]:
    """The model's rows, filtered and projected in Python: an independent reading of the same mart."""
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(f"select * from main.{query.model}")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, map(jsonable, row), strict=True)) for row in cursor.fetchall()]
    kept = [row for row in rows if all(row[column] in values for column, values in query.where.items())]
    return [{column: row[column] for column in query.columns} for row in kept]


def _canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def _spec_values(node: Any) -> list[list[dict]]:
    """Every inline dataset of a Vega-Lite spec (top-level `datasets` and any `data: {values}`)."""
    found: list[list[dict]] = []
    if isinstance(node, dict):
        found += list(node.get("datasets", {}).values())
        if isinstance(node.get("data"), dict) and "values" in node["data"]:
            found.append(node["data"]["values"])
        for key, value in node.items():
            if key not in ("datasets", "data"):
                found += _spec_values(value)
    elif isinstance(node, list):
        for value in node:
            found += _spec_values(value)
    return found


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in _keys(value)}
    return set()


def test_every_chart_shows_the_rows_of_its_mart(built: tuple[page.Report, Path]) -> None:
    report, db = built
    charts = {chart.key: chart for _, rendered in report.sections for chart in rendered}
    assert set(charts) == {spec.key for spec in catalog.all_charts()}
    for spec in catalog.all_charts():
        chart = charts[spec.key]
        assert chart.spec is not None and chart.svg, f"{spec.key} is empty on the sample"
        expected = _mart_rows(db, spec.query)
        assert _canonical(chart.rows) == _canonical(expected), spec.key
        datasets = _spec_values(chart.spec)
        assert datasets, spec.key
        for values in datasets:
            assert _canonical(values) == _canonical(expected), spec.key


def test_charts_compute_no_numbers(built: tuple[page.Report, Path]) -> None:
    report, _ = built
    for chart in report.charts():
        assert chart.spec is not None
        assert not (_keys(chart.spec) & COMPUTING), (chart.key, _keys(chart.spec) & COMPUTING)


def test_every_chart_reads_a_dbt_model() -> None:
    models = {path.stem for path in (REPO / "models").rglob("*.sql")}
    for query in [catalog.HEADLINE, catalog.FAILED_FILES, *(spec.query for spec in catalog.all_charts())]:
        assert query.model in models, query.model


def test_headline_and_readings_quote_the_mart(built: tuple[page.Report, Path]) -> None:
    report, db = built
    with duckdb.connect(str(db), read_only=True) as con:
        (installations, events, newest) = con.execute(
            "select installations, events, newest_rasa_version from main.mart_report_headline").fetchone()  # fmt: skip
        p50, p90 = con.execute(
            "select runtime_p50_seconds, runtime_p90_seconds from main.mart_training_runtimes_weekly "
            "where run_level = 'top_level' and model_type = 'rasa' order by training_week desc limit 1"
        ).fetchone()
    assert report.headline is not None
    assert (report.headline["installations"], report.headline["events"]) == (installations, events)
    assert report.headline["newest_rasa_version"] == newest and newest
    reading = str(next(chart.reading for chart in report.charts() if chart.key == "training_runtime_weekly"))
    assert f"{p50:,.0f} s at the median and {p90:,.0f} s at p90" in reading


def test_the_failed_file_and_the_gx_run_are_on_the_page(built: tuple[page.Report, Path]) -> None:
    report, _ = built
    assert [Path(row["source_file"]).name for row in report.failed_files] == ["truncated.gz"]
    assert report.gx is not None and report.gx.data_docs_href
    html = page.html_page(report)
    assert "truncated.gz" in html and f'href="{report.gx.data_docs_href}"' in html
    for spec in catalog.all_charts():
        assert f"<code>{spec.query.model}</code>" in html, spec.key


def test_the_page_has_no_remote_url(built: tuple[page.Report, Path]) -> None:
    report, _ = built
    assert remote_references(page.html_page(report)) == []


@pytest.mark.parametrize(
    "bad",
    ['<img src="https://cdn.example/x.png">', "<link href='http://x/y.css'>", "a { background: url( https://x/y) }",
     '<script src=https://x/y.js></script>', '@import "https://x/y.css";', "<img srcset='https://x/a.png 2x'>"],
)  # fmt: skip
def test_the_remote_url_check_catches(bad: str) -> None:
    assert remote_references(f"<p>ok</p>{bad}<p>ok</p>")


def test_an_empty_warehouse_gives_an_empty_state_per_chart(report_empty: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.html"
    assert cli.main(["--db", str(report_empty), "--out", str(out), "--gx-summary", str(tmp_path / "none.json")]) == 0
    html = out.read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart[^"]*" id="([^"]+)"[^>]*data-empty="(true|false)"', html)
    assert {key for key, _ in figures} == {spec.key for spec in catalog.all_charts()} | {"dq_gx_suites"}
    assert all(empty == "true" for _, empty in figures)
    assert "<svg" not in html
    for spec in catalog.all_charts():
        assert spec.empty in html, spec.key
    assert "No events in the warehouse yet" in html and "No file failed to load." in html
    assert "No Great Expectations run found" in html
    for section in catalog.SECTIONS:
        assert f'<section id="{section.key}">' in html


def test_missing_models_are_named_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = empty_warehouse(tmp_path, build=False)  # raw layer only: dbt never ran
    out = tmp_path / "index.html"
    assert cli.main(["--db", str(db), "--out", str(out)]) == cli.EXIT_MISSING_MODELS
    html = out.read_text(encoding="utf-8")
    assert "mart_training_runtimes_weekly is not in the warehouse: run dbt build" in html
    assert "missing models: " in capsys.readouterr().out


def test_no_warehouse_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "x.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_a_warehouse_held_by_a_writer_exits_3(report_empty: Path, tmp_path: Path) -> None:
    copy = tmp_path / "held.duckdb"
    copy.write_bytes(report_empty.read_bytes())
    hold = f"import duckdb, time; c = duckdb.connect({str(copy)!r}); print('ok', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert cli.main(["--db", str(copy), "--out", str(tmp_path / "x.html")]) == cli.EXIT_IN_USE
    finally:
        holder.kill()
        holder.wait()
