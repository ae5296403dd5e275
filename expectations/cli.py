"""``python -m expectations [run|generate]``: validate raw.events, or regenerate the suites.

Exit codes of ``run``: 0 every suite passed, 1 an expectation failed, 2 could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from common.settings import REPO_ROOT, warehouse_path
from common.spec import SPEC_PATH
from expectations import suites as suite_files

DEFAULT_OUT = REPO_ROOT / "reports" / "data_quality"


class CannotRun(Exception):
    """The run could not start or finish (missing/locked warehouse, no raw.events, GX error)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expectations",
        description="Great Expectations checks of raw.events against the telemetry spec seed.",
    )
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser(
        "run",
        help="validate the warehouse and write the report (the default command)",
        description="Validate raw.events in $TELEMETRY_DB (default: warehouse.duckdb in the repo root). "
        "Exit 0 = all suites pass, 1 = an expectation failed, 2 = could not run.",
    )
    run.add_argument("--db", type=Path, help="warehouse file (default: $TELEMETRY_DB or warehouse.duckdb)")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report directory (default: {DEFAULT_OUT})")
    run.add_argument("--suites", type=Path, default=suite_files.SUITES_DIR, help="suite JSON directory")
    generate = commands.add_parser(
        "generate",
        help="regenerate expectations/suites/*.json from the spec seed",
        description="Write one suite per event type (plus envelope) from the spec seed.",
    )
    generate.add_argument("--spec", type=Path, default=SPEC_PATH, help="spec seed CSV")
    generate.add_argument("--suites", type=Path, default=suite_files.SUITES_DIR, help="suite JSON directory")
    generate.add_argument("--check", action="store_true", help="do not write; exit 1 if the files drifted")
    return parser


def _materialize(db: Path, suites: list[dict]) -> dict[str, int]:
    from expectations.projection import materialize

    if not db.exists():
        raise CannotRun(f"warehouse {db} does not exist (set TELEMETRY_DB or load data first)")
    try:
        con = duckdb.connect(str(db), config={"memory_limit": "1GB", "threads": 2})
    except duckdb.Error as exc:
        raise CannotRun(f"cannot open warehouse {db}: {str(exc).splitlines()[0]}") from exc
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'events'"
        ).fetchone()
        if not found or not found[0]:
            raise CannotRun(f"warehouse {db} has no raw.events table (load data first)")
        return materialize(con, suites)
    finally:
        con.close()


def run(db: Path, out: Path, suites_dir: Path) -> int:
    suites = suite_files.load_suites(suites_dir)
    if not suites:
        raise CannotRun(f"no suites in {suites_dir} (run: python -m expectations generate)")
    started = time.perf_counter()
    rows = _materialize(db, suites)
    materialized = time.perf_counter() - started
    from expectations import report, runner  # GX import takes seconds: only when needed

    docs_dir = out / "data_docs"
    shutil.rmtree(docs_dir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    run_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        outcomes = runner.validate(db, suites, docs_dir)
    except Exception as exc:
        raise CannotRun(f"Great Expectations failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    summary = report.summary(outcomes, rows, db, run_at)
    report.write(summary, out, docs_dir)
    errors = [item for suite in outcomes for item in suite.expectations if item.error]
    failed = summary["suites_failed"]
    print(
        f"{summary['suites_evaluated'] - failed}/{summary['suites_evaluated']} suites passed on "
        f"{rows.get(suite_files.ENVELOPE, 0):,} events in {time.perf_counter() - started:.1f}s "
        f"(projection {materialized:.1f}s). "
        f"Report: {out / 'summary.md'}  Data Docs: {(docs_dir / 'index.html').as_uri()}"
    )
    if errors:
        raise CannotRun(f"{len(errors)} expectation(s) could not be evaluated, first: {errors[0].error}")
    return 0 if summary["success"] else 1


def generate(spec: Path, suites_dir: Path, check: bool) -> int:
    if not spec.exists():
        raise CannotRun(f"spec seed {spec} does not exist")
    built = suite_files.build_suites(spec)
    if check:
        problems = suite_files.drift(built, suites_dir)
        for problem in problems:
            print(f"drift: {problem}")
        print("suites are up to date" if not problems else "run: python -m expectations generate")
        return 1 if problems else 0
    written = suite_files.write_suites(built, suites_dir)
    print(f"wrote {len(written)} suites to {suites_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"run", "generate", "-h", "--help"}:
        argv.insert(0, "run")  # `python -m expectations [--out DIR]` runs the checkpoint
    args = _parser().parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        if args.command == "generate":
            return generate(args.spec, args.suites, args.check)
        db = args.db.expanduser().resolve() if args.db else warehouse_path()
        return run(db, args.out.expanduser().resolve(), args.suites)
    except CannotRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
