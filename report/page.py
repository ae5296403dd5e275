"""Query the marts, render each chart to SVG and fill the template: one self-contained HTML file."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from markupsafe import Markup

from report import catalog, charts, gx
from report.queries import MissingModel, Row, existing_models, fetch, fetch_one

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class RenderedChart:
    key: str
    title: str
    model: str
    wide: bool
    rows: list[Row]
    spec: dict[str, Any] | None = None
    svg: Markup | None = None
    reading: Markup | None = None
    empty: str | None = None  # the empty-state message, when there is nothing to draw


@dataclass
class Report:
    generated_at: str
    warehouse: str
    headline: Row | None
    sections: list[tuple[catalog.Section, list[RenderedChart]]]
    failed_files: list[Row]
    gx: gx.GxResult | None
    gx_chart: RenderedChart | None
    missing_models: list[str] = field(default_factory=list)

    def charts(self) -> list[RenderedChart]:
        found = [chart for _, rendered in self.sections for chart in rendered]
        return found + ([self.gx_chart] if self.gx_chart else [])


def _inline_code(text: str) -> Markup:
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text)))


def _reading(row: Row | None, template: str) -> Markup | None:
    if row is None or any(value is None for value in row.values()):
        return None
    return _inline_code(template.format(**row))


def _render(key: str, title: str, model: str, wide: bool, rows: list[Row],
            build: Callable[[list[Row]], Any], empty: str) -> RenderedChart:  # fmt: skip
    chart = RenderedChart(key, title, model, wide, rows)
    if not rows:
        chart.empty = empty
        return chart
    built = build(rows)
    chart.spec = built.to_dict()
    chart.svg = Markup(charts.to_svg(built))
    return chart


def _chart(con: duckdb.DuckDBPyConnection, models: set[str], spec: catalog.ChartDef, missing: list[str]):
    try:
        rows = fetch(con, spec.query, models)
        reading = _reading(fetch_one(con, spec.reading.sql, models, spec.query.model), spec.reading.template)
    except MissingModel:
        missing.append(spec.query.model)
        return RenderedChart(spec.key, spec.title, spec.query.model, spec.wide, [],
                             empty=f"The model {spec.query.model} is not in the warehouse: run dbt build.")  # fmt: skip
    chart = _render(spec.key, spec.title, spec.query.model, spec.wide, rows, spec.build, spec.empty)
    chart.reading = reading if rows else None
    return chart


def _optional(con: duckdb.DuckDBPyConnection, models: set[str], query, missing: list[str]) -> list[Row]:
    try:
        return fetch(con, query, models)
    except MissingModel:
        missing.append(query.model)
        return []


def build(con: duckdb.DuckDBPyConnection, warehouse: Path, report_dir: Path, gx_summary: Path) -> Report:
    models = existing_models(con)
    missing: list[str] = []
    headline = _optional(con, models, catalog.HEADLINE, missing)
    sections = [(section, [_chart(con, models, spec, missing) for spec in section.charts])
                for section in catalog.SECTIONS]  # fmt: skip
    failed = _optional(con, models, catalog.FAILED_FILES, missing)
    result = gx.read(gx_summary, report_dir)
    gx_chart = None
    if result is not None:
        gx_chart = _render("dq_gx_suites", "Expectations per suite in the latest GX run", "GX summary.json",
                           True, result.suites, charts.gx_suites, "The GX run evaluated no suite.")  # fmt: skip
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Report(now, str(warehouse), headline[0] if headline and headline[0]["period_end"] else None,
                  sections, failed, result, gx_chart, sorted(set(missing)))  # fmt: skip


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ("n/a" if value is None else str(value))


def _day(value: Any) -> str:
    return "n/a" if not value else dt.datetime.fromisoformat(str(value)).strftime("%b %d, %Y")


def html_page(report: Report) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["number"] = _number
    env.filters["day"] = _day
    env.filters["code"] = _inline_code
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(report=report, css=Markup(css))
