"""``python -m expectations [run|generate]``: validate raw.events, or regenerate the suites.

``run`` validates the loads not validated yet and reports the cumulative result (``state.py`` says when
it rebuilds everything instead; ``--full`` forces that). Exit codes of ``run``: 0 every suite passed
(cumulatively), 1 an expectation failed, 2 could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from common.settings import REPO_ROOT, warehouse_path
from common.spec import SPEC_PATH
from expectations import suites as suite_files
from expectations.run import CannotRun
from expectations.run import run as run_checks

DEFAULT_OUT = REPO_ROOT / "reports" / "data_quality"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expectations",
        description="Great Expectations checks of raw.events against the telemetry spec seed.",
    )
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser(
        "run",
        help="validate the warehouse and write the report (the default command)",
        description="Validate raw.events in $TELEMETRY_DB (default: warehouse.duckdb in the repo root): the loads "
        "not validated yet, reporting cumulative results; everything when the suites changed or with --full. "
        "DuckDB's resources: $TELEMETRY_MEMORY_LIMIT, $TELEMETRY_THREADS, $TELEMETRY_TEMP_DIR. "
        "Exit 0 = all suites pass, 1 = an expectation failed, 2 = could not run.",
    )
    run.add_argument("--db", type=Path, help="warehouse file (default: $TELEMETRY_DB or warehouse.duckdb)")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report directory (default: {DEFAULT_OUT})")
    run.add_argument("--suites", type=Path, default=suite_files.SUITES_DIR, help="suite JSON directory")
    run.add_argument("--full", action="store_true", help="rebuild the gx schema and validate every row")
    generate = commands.add_parser(
        "generate",
        help="regenerate expectations/suites/*.json from the spec seed",
        description="Write one suite per event type (plus envelope) from the spec seed.",
    )
    generate.add_argument("--spec", type=Path, default=SPEC_PATH, help="spec seed CSV")
    generate.add_argument("--suites", type=Path, default=suite_files.SUITES_DIR, help="suite JSON directory")
    generate.add_argument("--check", action="store_true", help="do not write; exit 1 if the files drifted")
    return parser


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
        return run_checks(db, args.out.expanduser().resolve(), args.suites, args.full)
    except CannotRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
