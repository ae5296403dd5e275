"""The latest Great Expectations run, as ``python -m expectations`` left it (``summary.json``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report.queries import Row

SUITE_COLUMNS = ("suite", "event", "rows", "success", "expectations_evaluated", "expectations_failed")


@dataclass(frozen=True)
class GxResult:
    summary_path: Path
    success: bool
    run_at: str
    suites_evaluated: int
    suites_failed: int
    suites: list[Row]
    data_docs_href: str | None  # relative to the report's folder, so the link works from disk


def read(summary_path: Path, report_dir: Path) -> GxResult | None:
    """None when there is no summary (GX never ran here); ValueError when it is not a GX summary."""
    if not summary_path.is_file():
        return None
    try:
        summary: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
        suites = [{column: suite[column] for column in SUITE_COLUMNS} for suite in summary["suites"]]
        result = {key: summary[key] for key in ("success", "run_at", "suites_evaluated", "suites_failed")}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{summary_path} is not a summary written by python -m expectations ({exc})") from exc
    docs = summary_path.parent / "data_docs" / "index.html"
    href = Path(os.path.relpath(docs, report_dir.resolve())).as_posix() if docs.is_file() else None
    return GxResult(summary_path, bool(result["success"]), str(result["run_at"]), int(result["suites_evaluated"]),
                    int(result["suites_failed"]), suites, href)  # fmt: skip
