"""``python -m report``: write the telemetry report (one offline HTML file) from the warehouse.

Exit status: 0 written; 1 written, but a model it reads is not in the warehouse (the page says which);
2 could not run (no warehouse, unreadable GX summary, bad arguments); 3 warehouse in use by a writer.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import duckdb

from common.settings import REPO_ROOT, warehouse_path
from report import page

EXIT_OK, EXIT_MISSING_MODELS, EXIT_CANNOT_RUN, EXIT_IN_USE = 0, 1, 2, 3
DEFAULT_OUT = REPO_ROOT / "reports" / "telemetry" / "index.html"
DEFAULT_GX = REPO_ROOT / "reports" / "data_quality" / "summary.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m report",
        description="Write the telemetry report: one HTML file with every chart inline (SVG), readable from "
        "disk with no network, from the dbt marts in the warehouse ($TELEMETRY_DB, default warehouse.duckdb) "
        "and the latest GX summary. Exit status: 0 written, 1 written but a model is missing (run dbt build), "
        "2 could not run, 3 warehouse in use.",
    )
    parser.add_argument("--db", type=Path, help="warehouse file (default: $TELEMETRY_DB or warehouse.duckdb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"HTML file to write (default: {DEFAULT_OUT})")
    parser.add_argument("--gx-summary", type=Path, default=DEFAULT_GX,
                        help=f"summary.json of python -m expectations (default: {DEFAULT_GX})")  # fmt: skip
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit for the queries (default: 1GB)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default: 2)")
    return parser


class CannotRun(Exception):
    def __init__(self, message: str, code: int = EXIT_CANNOT_RUN) -> None:
        super().__init__(message)
        self.code = code


def connect(db: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    if not db.is_file():
        raise CannotRun(f"warehouse {db} does not exist (set TELEMETRY_DB, or run make demo)")
    try:
        return duckdb.connect(str(db), read_only=True, config={"memory_limit": memory_limit, "threads": threads})
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        if "lock" in message.lower():
            holder = re.search(r"PID \d+", message)
            who = f" ({holder.group(0)})" if holder else ""
            raise CannotRun(f"warehouse {db} is in use by another process{who}; try again when it ends",
                            EXIT_IN_USE) from exc  # fmt: skip
        raise CannotRun(f"cannot open warehouse {db}: {message}") from exc


def run(db: Path, out: Path, gx_summary: Path, memory_limit: str, threads: int) -> int:
    started = time.perf_counter()
    con = connect(db, memory_limit, threads)
    try:
        report = page.build(con, db, out.parent, gx_summary)
    except ValueError as exc:
        raise CannotRun(str(exc)) from exc
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page.html_page(report), encoding="utf-8")
    drawn = [chart for chart in report.charts() if chart.svg]
    empty = len(report.charts()) - len(drawn)
    missing = f"; missing models: {', '.join(report.missing_models)}" if report.missing_models else ""
    print(f"Report: {out.resolve()} ({len(drawn)} charts, {empty} empty, {out.stat().st_size // 1024} KB) "
          f"in {time.perf_counter() - started:.1f}s{missing}")  # fmt: skip
    return EXIT_MISSING_MODELS if report.missing_models else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = args.db.expanduser().resolve() if args.db else warehouse_path()
    try:
        return run(db, args.out.expanduser().resolve(), args.gx_summary.expanduser().resolve(), args.memory_limit,
                   args.threads)  # fmt: skip
    except CannotRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
