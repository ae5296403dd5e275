"""Vega-Lite specs (altair) for the report's charts, and their rendering to inline SVG (vl-convert).

Every builder takes the rows of one model, as queried, and only maps columns to marks: no aggregate,
bin, calculate or window, so the picture shows the mart's numbers (``tests/test_report.py`` checks).
Reshaping a wide row into long form (``fold``) and filtering are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import altair as alt
import vl_convert

from report.queries import Row

#: Vega-Lite version vl-convert compiles with: the one altair writes specs for.
VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

WIDTH = 440  # one grid column on a laptop screen (two columns of ~520 px at 1,100 px)
WIDE = 960
#: DejaVu Sans (Linux) and Verdana (macOS, Windows) share wide metrics: labels measured with one at build
#: time fit when the browser draws them with the other.
FONT = "DejaVu Sans, Verdana, Geneva, sans-serif"
INK, MUTED, GRID = "#1f2933", "#52606d", "#e4e7eb"
RED, BLUE, GREY = "#c0392b", "#2f6fad", "#9aa5b1"

CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "background": "white",
    "axis": {
        "labelColor": MUTED, "titleColor": INK, "gridColor": GRID, "domainColor": GREY, "tickColor": GREY,
        "labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": 600,
    },
    "legend": {"labelColor": MUTED, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11, "orient": "top"},
    "header": {"labelColor": INK, "labelFontSize": 11, "labelFontWeight": 600, "titleFontSize": 11},
    "range": {"category": {"scheme": "tableau10"}},
}  # fmt: skip


#: Whole numbers only on count axes (Vega ignores tickMinStep here): fractional ticks get no label or line.
_FRACTION = "datum.value % 1"
COUNT_AXIS: dict[str, Any] = {
    "labelExpr": f"{_FRACTION} ? '' : format(datum.value, ',')",
    "gridOpacity": {"condition": {"test": _FRACTION, "value": 0}, "value": 1},
    "tickOpacity": {"condition": {"test": _FRACTION, "value": 0}, "value": 1},
}


def _count(field: str, title: str) -> alt.X:
    return alt.X(f"{field}:Q", title=title, axis=alt.Axis(**COUNT_AXIS))


def _data(rows: Sequence[Row]) -> alt.Data:
    return alt.Data(values=list(rows))


def _week(field: str, title: str = "Week (UTC, from Monday)") -> alt.X:
    return alt.X(f"utcyearmonthdate({field}):O", title=title, axis=alt.Axis(format="%b %d", labelAngle=0))


def _month(field: str) -> alt.Y:
    return alt.Y(f"utcyearmonth({field}):O", title=None, axis=alt.Axis(format="%b %Y"))


def runtime_weekly(rows: Sequence[Row]) -> alt.TopLevelMixin:
    """p50 (solid) and p90 (dashed) runtime per week and model type; top-level and nested side by side."""
    base = alt.Chart(_data(rows)).transform_fold(
        ["runtime_p50_seconds", "runtime_p90_seconds"], as_=["percentile", "seconds"]
    )
    lines = base.mark_line(strokeWidth=2).encode(
        x=_week("training_week"),
        y=alt.Y("seconds:Q", title="Runtime (s)"),
        color=alt.Color("model_type:N", title="Model type"),
        strokeDash=alt.StrokeDash(
            "percentile:N", title="Percentile",
            scale=alt.Scale(domain=["runtime_p50_seconds", "runtime_p90_seconds"], range=[[1, 0], [5, 3]]),
            legend=alt.Legend(labelExpr="datum.label == 'runtime_p50_seconds' ? 'p50' : 'p90'", symbolType="stroke",
                              symbolStrokeColor=INK, symbolSize=400),
        ),
    )  # fmt: skip
    return lines.properties(width=WIDE / 2 - 70, height=220).facet(
        column=alt.Column(
            "run_level:N", title=None, sort=["top_level", "nested"],
            header=alt.Header(labelExpr="datum.value == 'top_level' ? 'Top-level runs' : 'Nested parts of rasa train'"),
        )
    )  # fmt: skip


def completion_weekly(rows: Sequence[Row]) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(rows))
        .mark_line(point=True)
        .encode(
            x=_week("training_week"),
            y=alt.Y("completion_rate:Q", title="Completed / started", axis=alt.Axis(format="%"),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("model_type:N", title="Model type"),
        )
        .properties(width=WIDTH, height=220)
    )  # fmt: skip


def runtime_by_size(rows: Sequence[Row]) -> alt.TopLevelMixin:
    """Box plots from the mart's percentiles: whiskers p10-p90, box p25-p75, tick p50."""
    order = [row["intent_examples_bucket"] for row in sorted(rows, key=lambda row: row["intent_examples_from"])]
    x = alt.X("intent_examples_bucket:N", title="Intent examples in the training data",
              sort=list(dict.fromkeys(order)), axis=alt.Axis(labelAngle=-30))  # fmt: skip
    base = alt.Chart(_data(rows)).encode(x=x, xOffset=alt.XOffset("model_type:N"),
                                         color=alt.Color("model_type:N", title="Model type"))  # fmt: skip
    whiskers = base.mark_rule().encode(y=alt.Y("runtime_p10_seconds:Q", title="Runtime (s)"), y2="runtime_p90_seconds")
    boxes = base.mark_bar(size=9).encode(y="runtime_p25_seconds:Q", y2="runtime_p75_seconds")
    medians = base.mark_tick(color="white", size=9, thickness=2).encode(y="runtime_p50_seconds:Q")
    return alt.layer(whiskers, boxes, medians).properties(width=WIDTH, height=220)


def nlu_test_sizes(rows: Sequence[Row]) -> alt.TopLevelMixin:
    labels = {
        "num_intent_examples": "Intent examples", "num_entity_examples": "Entity examples",
        "num_lookup_tables": "Lookup tables", "num_synonyms": "Synonyms", "num_regexes": "Regexes",
    }  # fmt: skip
    expr = " : ".join(f"datum.value == '{key}' ? '{label}'" for key, label in labels.items()) + " : datum.value"
    order = [row["size_bucket"] for row in sorted(rows, key=lambda row: row["size_from"])]
    bars = (
        alt.Chart(_data(rows))
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("size_bucket:N", title="Size of the test set", sort=list(dict.fromkeys(order)),
                    axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("nlu_tests:Q", title="NLU tests"),
        )
        .properties(width=150, height=150)
    )  # fmt: skip
    return bars.facet(
        facet=alt.Facet("size_measure:N", title=None, sort=list(labels), header=alt.Header(labelExpr=expr)),
        columns=5,
    ).resolve_scale(x="independent")


def setting_shares(rows: Sequence[Row], settings: dict[str, str], stacked: bool = False) -> alt.TopLevelMixin:
    """One panel per setting (side by side, or `stacked` in a half-width card): a 100% bar per month, one
    segment per value, labelled when wide enough."""
    panels = []
    for key, label in settings.items():
        base = (
            alt.Chart(_data(rows))
            .transform_filter(alt.datum.setting == key)
            .encode(
                y=_month("start_month"),
                x=alt.X("server_start_share:Q", title="Share of server starts", stack="zero",
                        axis=alt.Axis(format="%", tickCount=5), scale=alt.Scale(domain=[0, 1])),
                order=alt.Order("server_starts:Q", sort="descending"),
            )
        )  # fmt: skip
        segments = base.mark_bar(stroke="white", strokeWidth=1).encode(
            color=alt.Color("setting_value:N", title=label, scale=alt.Scale(scheme="tableau20"),
                            legend=alt.Legend(orient="top", columns=4, symbolType="square")),
        )  # fmt: skip
        labels = (
            base.mark_text(color="white", fontSize=10, dx=-3, align="right")
            .encode(x=alt.X("server_start_share:Q", stack="zero", bandPosition=1), text="setting_value:N",
                    detail="setting_value:N")
            .transform_filter(alt.datum.server_start_share >= 0.15)
        )  # fmt: skip
        width = WIDTH - 60 if stacked else WIDE / len(settings) - 80
        panels.append(alt.layer(segments, labels).properties(width=width, height=alt.Step(22)))
    together = alt.vconcat(*panels, spacing=16) if stacked else alt.hconcat(*panels, spacing=30)
    return together.resolve_scale(color="independent")


def input_channels(rows: Sequence[Row]) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("input_channel:N", title=None, sort="-x"),
            x=_count("server_starts", "Server starts listening on the channel"),
            yOffset=alt.YOffset("utcyearmonth(start_month):O"),
            color=alt.Color("utcyearmonth(start_month):O", title="Month", legend=alt.Legend(format="%b %Y")),
        )
        .properties(width=WIDTH - 80, height=alt.Step(14))
    )  # fmt: skip


def version_adoption(rows: Sequence[Row]) -> alt.TopLevelMixin:
    minors = sorted({row["rasa_minor_version"] for row in rows}, key=_version_key)
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=_week("activity_week"),
            y=alt.Y("active_installations:Q", title="Active installations"),
            color=alt.Color("rasa_minor_version:N", title="Rasa", sort=minors,
                            scale=alt.Scale(scheme="tableau20"), legend=alt.Legend(orient="right")),
            order=alt.Order("rasa_minor_version:N"),
        )
        .properties(width=WIDTH - 60, height=240)
    )  # fmt: skip


def _version_key(version: str) -> tuple[int, ...]:
    """Ordering only (legend order '2.10' after '2.9'); no number of the chart comes from here."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


FUNNEL_STEPS = {
    "installations": "First seen",
    "created_project": "Created a project",
    "created_project_and_trained": "… and trained",
    "created_project_trained_and_tested": "… and tested",
    "completed_funnel": "… and started a server",
}


def activation_funnel(rows: Sequence[Row]) -> alt.TopLevelMixin:
    expr = " : ".join(f"datum.label == '{key}' ? '{label}'" for key, label in FUNNEL_STEPS.items()) + " : ''"
    return (
        alt.Chart(_data(rows))
        .transform_fold(list(FUNNEL_STEPS), as_=["step", "installations_in_step"])
        .mark_bar()
        .encode(
            x=_week("cohort_week", title="Cohort: week first seen (UTC)"),
            xOffset=alt.XOffset("step:N", sort=list(FUNNEL_STEPS)),
            y=alt.Y("installations_in_step:Q", title="Installations"),
            color=alt.Color("step:N", title="Step", sort=list(FUNNEL_STEPS), scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(labelExpr=expr, orient="right", labelLimit=220)),
        )
        .properties(width=WIDTH - 90, height=240)
    )  # fmt: skip


def daily_stacked(rows: Sequence[Row], day: str, value: str, series: str, title: str, colors: dict | None = None):
    scale = alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Scale(scheme="tableau10")
    return (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X(f"utcyearmonthdate({day}):O", title="Archive day (UTC)",
                    axis=alt.Axis(format="%b %d", labelAngle=-45, labelOverlap=True)),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(**COUNT_AXIS)),
            color=alt.Color(f"{series}:N", title=None, scale=scale),
            order=alt.Order(f"{series}:N"),
        )
        .properties(width=WIDTH, height=200)
    )  # fmt: skip


def bars_by_event(rows: Sequence[Row], label: str, value: str, title: str, color: str | None = None):
    """Horizontal bars of `label` per event (one row of the facet per event), coloured by `color`."""
    encoding = {"color": alt.Color(f"{color}:N", title="Sent as")} if color else {}
    bars = (
        alt.Chart(_data(rows))
        .mark_bar(**({} if color else {"color": RED}))
        .encode(y=alt.Y(f"{label}:N", title=None, sort="-x"), x=_count(value, title), **encoding)
        .properties(width=WIDTH - 220, height=alt.Step(16))
    )  # fmt: skip
    header = alt.Header(labelAngle=0, labelAlign="left", labelOrient="left", labelPadding=6, labelLimit=210)
    return bars.facet(row=alt.Row("event:N", title=None, header=header)).resolve_scale(y="independent")


def bars(rows: Sequence[Row], label: str, value: str, title: str) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(rows))
        .mark_bar(color=RED)
        .encode(y=alt.Y(f"{label}:N", title=None, sort="-x"), x=_count(value, title))
        .properties(width=WIDTH - 140, height=alt.Step(18))
    )  # fmt: skip


def gx_suites(rows: Sequence[Row]) -> alt.TopLevelMixin:
    """Per suite: expectations evaluated (grey) with the failed ones over them (red)."""
    base = alt.Chart(_data(rows)).encode(y=alt.Y("suite:N", title=None, sort=None))
    evaluated = base.mark_bar(color=GRID).encode(x=_count("expectations_evaluated", "Expectations"))
    failed = base.mark_bar(color=RED, height=8).encode(x="expectations_failed:Q")
    return alt.layer(evaluated, failed).properties(width=WIDTH - 160, height=alt.Step(16))


_XMLNS = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an inline <svg> (no network: vl-convert may load nothing from any URL)."""
    spec = chart.to_dict()
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION, config=CONFIG, allowed_base_urls=[])
    # inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of URLs
    return _XMLNS.sub("", svg, count=2)
