"""The report in a real browser: headless Chromium (Debian's) opens it from disk with the network blocked.

Asserts no console error, no request leaving the file, marks in every chart; saves a full-page screenshot
next to the report (reports/telemetry/screenshot.png, kept by CI). Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from report import catalog, cli
from tests.report_fixtures import REPO

CHROMIUM = Path("/usr/bin/chromium")
OUT_DIR = REPO / "reports" / "telemetry"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # belt and braces: no name resolves, whatever asks
]  # fmt: skip

#: Per chart figure: how many data marks (vega's `role-mark` groups' items) it drew, and their area.
MARKS_JS = """() => [...document.querySelectorAll('figure.chart')].map(figure => {
  const items = [...figure.querySelectorAll('svg .role-mark > *')];
  const area = items.reduce((sum, item) => { const box = item.getBoundingClientRect();
                                             return sum + box.width * box.height; }, 0);
  return {id: figure.id, empty: figure.dataset.empty, marks: items.length, area: area};
})"""


@dataclass
class Visit:
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}): the report's browser test needs it. "
            "Install it with: apt-get install -y chromium (.ci/run does)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Debian's Chromium, never a Playwright browser download; Playwright gives it a fresh profile dir
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _outside(seen: Visit, url: str) -> None:
    """Every request the page makes, routed or not (e.g. a WebSocket), must stay on disk."""
    if not url.startswith("file://") and url not in seen.outside_requests:
        seen.outside_requests.append(url)


def visit(browser, page_file: Path, screenshot: Path | None = None) -> Visit:
    seen = Visit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def route(route_) -> None:
        if route_.request.url.startswith("file://"):
            route_.continue_()
        else:
            _outside(seen, route_.request.url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: seen.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    page.on("request", lambda request: _outside(seen, request.url))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    seen.figures = page.evaluate(MARKS_JS)
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return seen


@pytest.fixture(scope="module")
def published(report_sample: tuple[Path, Path]) -> Path:
    """The sample's report where CI keeps it: reports/telemetry/index.html."""
    db, gx_summary = report_sample
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # the GX Data Docs beside it, so the page's link resolves as in `make demo`
    docs = OUT_DIR / "data_quality"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(gx_summary.parent, docs)
    out = OUT_DIR / "index.html"
    assert cli.main(["--db", str(db), "--out", str(out), "--gx-summary", str(docs / "summary.json")]) == 0
    return out


def test_the_report_renders_offline_with_marks_in_every_chart(browser, published: Path) -> None:
    screenshot = OUT_DIR / "screenshot.png"
    screenshot.unlink(missing_ok=True)
    seen = visit(browser, published, screenshot)
    assert seen.console_errors == []
    assert seen.outside_requests == []
    expected = {spec.key for spec in catalog.all_charts()} | {"dq_gx_suites"}
    assert {figure["id"] for figure in seen.figures} == expected
    for figure in seen.figures:
        assert figure["empty"] == "false" and figure["marks"] > 0 and figure["area"] > 0, figure
    assert screenshot.stat().st_size > 50_000


def test_the_empty_report_renders_without_errors(browser, report_empty: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.html"
    assert cli.main(["--db", str(report_empty), "--out", str(out), "--gx-summary", str(tmp_path / "no.json")]) == 0
    seen = visit(browser, out)
    assert seen.console_errors == [] and seen.outside_requests == []
    assert seen.figures and all(figure["empty"] == "true" and figure["marks"] == 0 for figure in seen.figures)


def test_the_harness_sees_a_request_leaving_the_file(browser, tmp_path: Path) -> None:
    """The checks above can fail: a page that fetches from the network is caught (and blocked)."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<img src="https://cdn.example.invalid/logo.png"><script>console.error("boom")</script>')
    seen = visit(browser, leaky)
    assert seen.outside_requests and seen.outside_requests[0].startswith("https://cdn.example.invalid/")
    assert "boom" in seen.console_errors
