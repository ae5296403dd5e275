"""``python -m expectations run``: validate what is new in raw.events and report the cumulative result.

1. **Plan and project** (one read-write connection): ``state.plan`` decides full or incremental and
   ``projection.materialize`` writes the batch: every row into a new ``gx`` (full), or the new loads' rows
   appended to it. While DuckDB works, GX is imported in a thread (3 s of Python; DuckDB releases the GIL).
2. **Validate** (GX's read-only connection): the batch of each suite that has new rows. Nothing new: no GX.
3. **Commit** (read-write again, one transaction): the batch's loads, the cumulative counts and the run are
   recorded. A run that fails before this leaves its loads unrecorded, so the next run validates them.
4. **Report**: ``summary.json``, ``summary.md``, the Data Docs index.

Exit codes: 0 every suite passed (cumulatively), 1 an expectation failed, 2 could not run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb

from common.settings import duckdb_settings
from expectations import results, state
from expectations import suites as suite_files

#: Written next to the Data Docs: the suites hash their definition pages were built from.
DOCS_STAMP = ".suites_hash"


class CannotRun(Exception):
    """The run could not start or finish (missing/locked warehouse, no raw.events, GX error)."""


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection with DuckDB's resources from the settings (``common.settings.duckdb_settings``)."""
    if not db.exists():
        raise CannotRun(f"warehouse {db} does not exist (set TELEMETRY_DB or load data first)")
    try:
        return duckdb.connect(str(db), config=duckdb_settings(db))
    except duckdb.Error as exc:
        raise CannotRun(f"cannot open warehouse {db}: {str(exc).splitlines()[0]}") from exc


def _say(message: str) -> None:
    """Progress on a terminal (a full run takes a minute at 10M rows); silent otherwise."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def _import_gx() -> None:
    with contextlib.suppress(Exception):  # the import in _validate raises it again, plainly
        importlib.import_module("expectations.runner")


def _project(db: Path, suites: list[dict[str, Any]], full: bool) -> tuple[state.Plan, dict[str, int], float]:
    """Decide full or incremental and project the batch (rows by suite, seconds); closes the connection for GX."""
    from expectations.projection import materialize

    con = connect(db)
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'events'"
        ).fetchone()
        if not found or not found[0]:
            raise CannotRun(f"warehouse {db} has no raw.events table (load data first)")
        plan = state.plan(con, suites, full)
        _say(f"{plan.mode} run ({plan.reason}): projecting {len(plan.loads):,} load(s) into gx ...")
        importer = threading.Thread(target=_import_gx, daemon=True) if plan.loads else None
        if importer:
            importer.start()
        started = time.perf_counter()
        rows = materialize(con, suites, plan.batch)
        projected = time.perf_counter() - started
        if importer:
            importer.join()
        return plan, rows, projected
    finally:
        con.close()


def _docs(docs_dir: Path, plan: state.Plan) -> bool:
    """Clear the Data Docs for this run. True when the suites' definition pages can stay (same suites)."""
    stamp = docs_dir / DOCS_STAMP
    keep = plan.mode == state.INCREMENTAL and stamp.is_file() and stamp.read_text() == plan.suites_hash
    if keep:
        shutil.rmtree(docs_dir / "validations", ignore_errors=True)
    else:
        shutil.rmtree(docs_dir, ignore_errors=True)
    return keep


def _validate(suites: list[dict[str, Any]], plan: state.Plan, rows: dict[str, int], db: Path, out: Path) -> list:
    """GX over the suites with new rows; Data Docs of this run (left as they were when nothing is new)."""
    names = {name for name, count in rows.items() if count}
    out.mkdir(parents=True, exist_ok=True)
    if not names:
        return []
    from expectations import runner  # GX import takes seconds: only when needed (mostly done by _project)

    docs_dir = out / "data_docs"
    keep = _docs(docs_dir, plan)
    _say(f"validating {len(names)} suite(s) with Great Expectations ...")
    try:
        found = runner.validate(db, suites, docs_dir, plan.batch.where, names, definitions=not keep)
    except Exception as exc:
        raise CannotRun(f"Great Expectations failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    (docs_dir / DOCS_STAMP).write_text(plan.suites_hash)
    return found


def _commit(
    db: Path, plan: state.Plan, outcomes: list[results.SuiteOutcome], rows: dict[str, int], run_at: str
) -> dict:
    con = connect(db)
    try:
        return state.commit(con, plan, outcomes, rows, (uuid.uuid4().hex, run_at))
    except duckdb.Error as exc:
        raise CannotRun(f"could not store the results in {db}: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


def run(db: Path, out: Path, suites_dir: Path, full: bool = False) -> int:
    suites = suite_files.load_suites(suites_dir)
    if not suites:
        raise CannotRun(f"no suites in {suites_dir} (run: python -m common generate)")
    started = time.perf_counter()
    plan, rows, projected = _project(db, suites, full)
    run_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    batch = {outcome.suite: outcome for outcome in _validate(suites, plan, rows, db, out)}
    errors = [item for suite in batch.values() for item in suite.expectations if item.error]
    if errors:
        raise CannotRun(f"{len(errors)} expectation(s) could not be evaluated, first: {errors[0].error}")
    try:
        outcomes = [
            results.cumulative(spec, plan.stored.get(spec["name"], {}), batch.get(spec["name"])) for spec in suites
        ]
    except ValueError as exc:
        raise CannotRun(str(exc)) from exc
    totals = _commit(db, plan, outcomes, rows, run_at)
    from expectations import report

    docs_dir = out / "data_docs"
    for outcome in outcomes:  # a suite without new rows keeps the page of the last run that validated it
        outcome.validation_page = outcome.validation_page or report.existing_page(docs_dir, outcome.suite)
    summary = report.summary(outcomes, plan, (totals, rows), db, run_at)
    report.write(summary, out, docs_dir, rebuilt=bool(batch))
    failed = summary["suites_failed"]
    print(
        f"{summary['suites_evaluated'] - failed}/{summary['suites_evaluated']} suites passed on "
        f"{totals.get(suite_files.ENVELOPE, 0):,} events, cumulatively; this {plan.mode} run ({plan.reason}) "
        f"validated {rows.get(suite_files.ENVELOPE, 0):,} from {len(plan.loads):,} load(s) in "
        f"{time.perf_counter() - started:.1f}s (projection {projected:.1f}s). Report: {out / 'summary.md'}  "
        f"Data Docs: {(docs_dir / 'index.html').as_uri()}"
    )
    return 0 if summary["success"] else 1
