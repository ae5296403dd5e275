"""The data-quality report: ``summary.json``, ``summary.md`` and offline-clean Data Docs.

The summary states cumulative results: every count covers all the rows validated since the last full
run, and pass/fail is decided on those counts (``results.py``). It also says what this run validated
(mode, loads, new rows). Data Docs show the batches of the latest run that had new rows: GX's result
pages of the suites it validated (``select * from gx.<suite> where <its loads>``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from expectations.results import SuiteOutcome
from expectations.state import Plan

MD_SAMPLES = 3


def _listed(outcome: Any) -> bool:
    """Failing expectations, and passing ones that still saw unexpected values (within ``mostly``)."""
    return not outcome.success or bool(outcome.unexpected_count) or outcome.error is not None


def type_violations(suites: list[SuiteOutcome]) -> dict[str, dict[str, int]]:
    """``{event: {property: unexpected rows}}`` from the json_type rules (comparable to the generator)."""
    found: dict[str, dict[str, int]] = {}
    for suite in suites:
        for item in suite.expectations:
            if item.meta.get("rule") == "json_type" and suite.event and item.unexpected_count:
                found.setdefault(suite.event, {})[item.meta["property"]] = int(item.unexpected_count)
    return found


def existing_page(docs_dir: Path, suite: str) -> str | None:
    """The validation page a suite has in ``docs_dir`` (left by the last run that validated it), if any."""
    found = sorted((docs_dir / "validations" / suite).rglob("*.html")) if docs_dir.is_dir() else []
    return found[-1].relative_to(docs_dir).as_posix() if found else None


def summary(
    suites: list[SuiteOutcome], plan: Plan, rows: tuple[dict[str, int], dict[str, int]], db: Path, run_at: str
) -> dict[str, Any]:
    """The report as data. ``rows`` is ``(cumulative rows, rows validated in this run)`` by suite."""
    totals, batch = rows
    return {
        "success": all(suite.success for suite in suites),
        "warehouse": str(db),
        "run_at": run_at,
        "mode": plan.mode,
        "reason": plan.reason,
        "validated": {"loads": len(plan.loads), "rows": batch.get("envelope", 0)},
        "cumulative": {"runs": plan.runs + 1, "since": plan.since or run_at, "rows": totals.get("envelope", 0)},
        "suites_evaluated": len(suites),
        "suites_failed": sum(not suite.success for suite in suites),
        "type_violations": type_violations(suites),
        "suites": [
            {
                "suite": suite.suite,
                "event": suite.event,
                "relation": suite.relation,
                "rows": totals.get(suite.suite, 0),
                "rows_validated": batch.get(suite.suite, 0),
                "success": suite.success,
                "expectations_evaluated": len(suite.expectations),
                "expectations_failed": sum(not item.success for item in suite.expectations),
                "validation_page": suite.validation_page,
                "issues": [
                    {key: value for key, value in asdict(item).items() if key != "suite"}
                    for item in suite.expectations
                    if _listed(item)
                ],
            }
            for suite in suites
        ],
    }


def _describe(issue: dict[str, Any]) -> str:
    kwargs = issue["kwargs"]
    column = kwargs.get("column", "")
    if "value_set" in kwargs:
        return f"`{column}` in {kwargs['value_set']}"
    if "min_value" in kwargs or "max_value" in kwargs:
        low = "(" if kwargs.get("strict_min") else "["
        return f"`{column}` in {low}{kwargs.get('min_value', '-inf')}, {kwargs.get('max_value', 'inf')}]"
    return f"`{column}` {issue['type'].removeprefix('expect_column_values_to_').replace('_', ' ')}"


def _scope(report: dict[str, Any]) -> str:
    """One sentence: what the counts cover and what this run validated."""
    done, total = report["validated"], report["cumulative"]
    runs = total["runs"]
    return (
        f"Cumulative over {total['rows']:,} events ({runs} run{'s' if runs != 1 else ''} since the full run of "
        f"{total['since']}); this run ({report['mode']}: {report['reason']}) validated {done['rows']:,} new events "
        f"from {done['loads']:,} load(s)."
    )


def markdown(report: dict[str, Any]) -> str:
    verdict = "PASSED" if report["success"] else "FAILED"
    lines = [
        "# Data quality: raw.events against the telemetry spec",
        "",
        f"**{verdict}**: {report['suites_evaluated'] - report['suites_failed']} of "
        f"{report['suites_evaluated']} suites passed. Warehouse `{report['warehouse']}`, run {report['run_at']}.",
        "",
        _scope(report) + " Pass/fail is decided on the cumulative counts; Data Docs show the batches of the latest "
        "run that had new rows.",
        "",
        "| suite | event | rows | new | result | failed / evaluated |",
        "|---|---|---:|---:|---|---:|",
    ]
    for suite in report["suites"]:
        result = "pass" if suite["success"] else "**FAIL**"
        lines.append(
            f"| {suite['suite']} | {suite['event'] or '(envelope)'} | {suite['rows']:,} | {suite['rows_validated']:,} "
            f"| {result} | {suite['expectations_failed']} / {suite['expectations_evaluated']} |"
        )
    for suite in report["suites"]:
        if not suite["issues"]:
            continue
        lines += ["", f"## {suite['suite']} ({suite['event'] or 'envelope'})", ""]
        lines += ["| expectation | result | mostly | unexpected | values seen | sample message_ids |"]
        lines += ["|---|---|---:|---:|---|---|"]
        for issue in suite["issues"]:
            result = "error" if issue["error"] else ("fail" if not issue["success"] else "within threshold")
            values = ", ".join(f"{row['value']} ({row['count']})" for row in issue["unexpected_values"][:4])
            if issue["error"]:
                values = issue["error"].replace("|", "/")[:120]
            percent = issue["unexpected_percent"]
            unexpected = f"{issue['unexpected_count'] or 0:,}" + (f" ({percent:.3g}%)" if percent else "")
            samples = ", ".join(f"`{mid}`" for mid in issue["sample_message_ids"][:MD_SAMPLES])
            lines.append(
                f"| {_describe(issue)} | {result} | {issue['kwargs'].get('mostly', 1.0)} | "
                f"{unexpected} | {values} | {samples} |"
            )
    lines += ["", "Thresholds (`mostly`) and how they are decided cumulatively: expectations/README.md.", ""]
    return "\n".join(lines)


# --- Data Docs, offline -------------------------------------------------------------------------

_REMOTE_TAGS = [
    re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I),  # CDN scripts and the jQuery glue
    re.compile(r"<link\b[^>]*href=\"https?://[^>]*>", re.I),
    re.compile(r"<footer\b.*?</footer>", re.S | re.I),  # newsletter and tutorial links
]
_REMOTE_IMG = re.compile(r"<img\b[^>]*src=\"https?://[^>]*>", re.S | re.I)
#: CSS backgrounds (GX's inline <style> puts its S3-hosted logo behind .navbar-brand).
_REMOTE_CSS_URL = re.compile(r"url\(['\"]?https?://[^)]*\)", re.I)

OFFLINE_CSS = """
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212529;
 font-size:14px;line-height:1.45}
nav{padding:.5rem 1rem;border-bottom:1px solid #dee2e6;background:#f8f9fa}
.container-fluid{padding:1rem 2rem}.row{display:flex;flex-wrap:wrap}
.col-12,.col-md-10,.col-lg-10,.col-6,.col-md-6{flex:1 1 auto;min-width:0}
.col-lg-2,.col-md-2{flex:0 0 220px;max-width:220px;padding-right:1rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #dee2e6;
 padding:.3rem .5rem;vertical-align:top;text-align:left}th{background:#f1f3f5}
.alert{padding:.6rem 1rem;border-radius:4px;margin:.5rem 0;border:1px solid #ccc}
.alert-secondary{background:#e2e3e5}.alert-info{background:#d1ecf1}.card{border:1px solid #dee2e6;
 border-radius:4px;padding:.75rem;margin:.75rem 0}.card-header{font-weight:600;margin-bottom:.5rem}
.badge{display:inline-block;padding:.15em .5em;border-radius:.25rem;font-size:85%;background:#e9ecef}
.text-danger{color:#b02a37}.text-success{color:#146c43}.fa-check-circle::before,.fa-check::before{
 content:"\\2714";color:#146c43}.fa-times::before,.fa-times-circle::before{content:"\\2718";color:#b02a37}
.fa-exclamation-triangle::before{content:"\\26A0";color:#b58105}
code,.text-monospace{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:90%;
 background:#f1f3f5;padding:0 .2em;border-radius:3px}
ul.nav{list-style:none;padding-left:0}.nav-link{display:block;padding:.15rem 0}
a{color:#0b5ed7;text-decoration:none}a:hover{text-decoration:underline}
.pass{color:#146c43;font-weight:600}.fail{color:#b02a37;font-weight:600}
</style>
"""


def make_offline(docs_dir: Path) -> int:
    """Strip every remote script/stylesheet/image from GX's HTML and add a minimal inline stylesheet."""
    pages = sorted(docs_dir.rglob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if OFFLINE_CSS in text:  # made offline by an earlier run (definition pages an incremental run kept)
            continue
        for pattern in _REMOTE_TAGS:
            text = pattern.sub("", text)
        text = _REMOTE_IMG.sub("<strong>Data Docs</strong>", text)
        text = _REMOTE_CSS_URL.sub("none", text)
        text = text.replace("</head>", OFFLINE_CSS + "</head>", 1)
        page.write_text(text, encoding="utf-8")
    for css in docs_dir.rglob("*.css"):
        css.write_text(_REMOTE_CSS_URL.sub("none", css.read_text(encoding="utf-8")))
    return len(pages)


def index_html(report: dict[str, Any], docs_dir: Path) -> str:
    """Our own index page: GX's lists are filled in by CDN JavaScript, so they are empty offline."""
    esc = html.escape
    rows = []
    for suite in report["suites"]:
        name = esc(suite["suite"])
        page = suite["validation_page"]
        link = f'<a href="{esc(page)}">{name}</a>' if page else name
        definition = docs_dir / "expectations" / f"{suite['suite']}.html"
        suite_link = f'<a href="expectations/{name}.html">expectations</a>' if definition.exists() else ""
        verdict = '<span class="pass">pass</span>' if suite["success"] else '<span class="fail">FAIL</span>'
        issues = "<br>".join(
            esc(f"{_describe(issue)}: {issue['unexpected_count'] or 0:,} unexpected")
            + ("" if issue["success"] else " <strong>(failed)</strong>")
            for issue in suite["issues"]
        )
        rows.append(
            f"<tr><td>{link}</td><td>{esc(suite['event'] or '(envelope)')}</td>"
            f"<td style='text-align:right'>{suite['rows']:,}</td>"
            f"<td style='text-align:right'>{suite['rows_validated']:,}</td><td>{verdict}</td>"
            f"<td>{suite['expectations_failed']} / {suite['expectations_evaluated']}</td>"
            f"<td>{issues}</td><td>{suite_link}</td></tr>"
        )
    verdict = "PASSED" if report["success"] else "FAILED"
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Data quality: raw.events</title>'
        f"{OFFLINE_CSS}</head><body><nav><strong>Data quality</strong>: raw.events against the "
        f'telemetry spec</nav><div class="container-fluid"><p class="{"pass" if report["success"] else "fail"}">'
        f"{verdict}: {report['suites_evaluated'] - report['suites_failed']} of "
        f"{report['suites_evaluated']} suites passed.</p><p>Warehouse <code>{esc(report['warehouse'])}</code>, "
        f"run {esc(report['run_at'])}. {esc(_scope(report))} Results and pass/fail are cumulative; the validation "
        "result pages show the batches of the latest run that had new rows. Thresholds are explained in "
        "expectations/README.md.</p>"
        "<table><tr><th>suite (validation result)</th><th>event</th><th>rows</th><th>new</th><th>result</th>"
        "<th>failed / evaluated</th><th>unexpected values</th><th>definition</th></tr>"
        + "".join(rows)
        + "</table></div></body></html>\n"
    )


def write(report: dict[str, Any], out: Path, docs_dir: Path, rebuilt: bool = True) -> None:
    """Write the summaries; Data Docs GX just built are made offline (``rebuilt``), older ones only re-indexed."""
    (out / "summary.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(markdown(report), encoding="utf-8")
    if rebuilt:
        make_offline(docs_dir)
    if docs_dir.is_dir():
        (docs_dir / "index.html").write_text(index_html(report, docs_dir), encoding="utf-8")
