"""What ``gx`` has validated so far: the loads projected, the suites that checked them, the cumulative counts.

A run is **full** (every row of raw.events into ``gx``, the bookkeeping starts over) when ``--full`` is
given; when the warehouse has no earlier run; when the suites or the projection code changed since the
last run (:func:`suites_hash`); when a suite's table or its stored results are missing; or when a load
appeared that is older than one already projected (load ids grow with every load and raw.events is
append-only, so copy numbers and cumulative counts would no longer add up). Otherwise it is
**incremental**: the rows of the loads of raw.events that ``gx._loads`` does not list are appended to
the ``gx`` tables and validated as ``where load_id ...``; the loads are recorded when the run commits.

Bookkeeping tables, next to the suites' tables:

- ``gx._runs``: one row per committed run (``run_id``, ``run_at``, ``mode``, ``reason``, ``suites_hash``,
  ``loads``, ``rows`` validated, cumulative ``success``).
- ``gx._loads``: every load whose rows are in ``gx.<suite>`` (``load_id``, ``run_id``).
- ``gx._results``: per expectation, the cumulative counts (``results.ExpectationOutcome``).

A run commits in one transaction, after GX. A run that fails leaves its loads unrecorded: the next run
deletes their rows from ``gx`` and projects and validates them again (``projection.reset``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from common.transactions import transaction
from expectations import projection, results
from expectations.projection import Batch, quote_ident
from expectations.suites import ENVELOPE, GX_SCHEMA

FULL, INCREMENTAL = "full", "incremental"
RUNS, LOADS, RESULTS = f"{GX_SCHEMA}._runs", f"{GX_SCHEMA}._loads", f"{GX_SCHEMA}._results"

DDL = f"""
create table if not exists {RUNS} (
    run_id varchar primary key, run_at timestamp not null, mode varchar not null, reason varchar not null,
    suites_hash varchar not null, loads bigint not null, rows bigint not null, success boolean not null
);
create table if not exists {LOADS} (load_id bigint primary key, run_id varchar not null);
create table if not exists {RESULTS} (
    suite varchar not null, expectation integer not null, type varchar not null, element_count bigint not null,
    missing_count bigint not null, unexpected_count bigint not null, unexpected_values json not null,
    sample_message_ids json not null, primary key (suite, expectation)
);
"""

Stored = dict[str, dict[int, results.ExpectationOutcome]]


@dataclass(frozen=True)
class Plan:
    mode: str  # FULL | INCREMENTAL
    reason: str
    suites_hash: str
    batch: Batch
    loads: tuple[int, ...]  # the loads this run projects (and records when it commits)
    stored: Stored = field(default_factory=dict)  # the cumulative results so far (empty for a full run)
    runs: int = 0  # committed runs since the last full one
    since: str | None = None  # when that full run was (ISO 8601, UTC)


def suites_hash(suites: list[dict[str, Any]]) -> str:
    """sha256 of the suites' content and of the projection's code: a change to either rebuilds ``gx``."""
    digest = hashlib.sha256(json.dumps(suites, sort_keys=True).encode())
    digest.update(Path(projection.__file__).read_bytes())
    return digest.hexdigest()


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    found = con.execute("select table_name from duckdb_tables() where schema_name = ?", [schema]).fetchall()
    return {str(name) for (name,) in found}


def _full_reason(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]], digest: str) -> str | None:
    tables = _tables(con, GX_SCHEMA)
    if not {"_runs", "_loads", "_results"} <= tables:
        return "no earlier run in this warehouse"
    last = con.execute(f"select suites_hash from {RUNS} order by run_at desc, run_id desc limit 1").fetchone()
    if last is None:
        return "no earlier run in this warehouse"
    if last[0] != digest:
        return "the suites or the projection changed since the last run"
    missing = [suite["name"] for suite in suites if suite["name"] not in tables]
    if missing:
        return f"gx.{missing[0]} is missing"
    stored = con.execute(f"select count(*) from {RESULTS}").fetchone()
    if not stored or stored[0] != sum(len(suite["expectations"]) for suite in suites):
        return f"{RESULTS} does not match the suites"
    return None


def plan(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]], full: bool) -> Plan:
    """Decide what this run projects and validates (see the module's docstring)."""
    digest = suites_hash(suites)
    reason = "--full" if full else _full_reason(con, suites, digest)
    if reason is None:
        new = [int(load_id) for (load_id,) in con.execute(
            f"select distinct load_id from raw.events where load_id not in (select load_id from {LOADS}) order by 1"
        ).fetchall()]  # fmt: skip
        newest = con.execute(f"select max(load_id) from {LOADS}").fetchone()
        if new and newest and newest[0] is not None and new[0] < newest[0]:
            reason = f"load {new[0]} is older than load {newest[0]}, which is already validated"
        else:
            runs, since = con.execute(
                f"select count(*), strftime(min(run_at), '%Y-%m-%dT%H:%M:%SZ') from {RUNS}"
            ).fetchone() or (0, None)
            return Plan(INCREMENTAL, f"{len(new)} new load(s)", digest, Batch(tuple(new)),
                        tuple(new), stored(con), int(runs), since)  # fmt: skip
    every = con.execute("select distinct load_id from raw.events order by 1").fetchall()
    return Plan(FULL, reason, digest, projection.EVERY_ROW, tuple(int(load_id) for (load_id,) in every))


def stored(con: duckdb.DuckDBPyConnection) -> Stored:
    """The cumulative counts of every expectation, by suite and position in the suite."""
    found: Stored = {}
    rows = con.execute(
        f"select suite, expectation, type, element_count, missing_count, unexpected_count, unexpected_values, "
        f"sample_message_ids from {RESULTS}"
    ).fetchall()
    for suite, ordinal, kind, elements, missing, unexpected, values, samples in rows:
        found.setdefault(suite, {})[int(ordinal)] = results.ExpectationOutcome(
            suite, int(ordinal), kind, {}, {}, True, elements, missing, unexpected, None, json.loads(values),
            json.loads(samples),
        )  # fmt: skip
    return found


def commit(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    outcomes: list[results.SuiteOutcome],
    batch_rows: dict[str, int],
    run: tuple[str, str],
) -> dict[str, int]:
    """Record the batch's loads, the cumulative results and the run, in one transaction.

    ``run`` is ``(run_id, run_at)``. Returns every suite's cumulative row count.
    """
    run_id, run_at = run
    with transaction(con):
        con.execute(DDL)
        if plan.mode == FULL:  # a full run starts the series over (gx was rebuilt, so these are empty anyway)
            con.execute(f"delete from {RUNS}; delete from {LOADS}")
        con.execute(f"delete from {RESULTS}")
        con.executemany(
            f"insert into {RESULTS} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (suite.suite, item.ordinal, item.type, item.element_count or 0, item.missing_count or 0,
                 item.unexpected_count or 0, json.dumps(item.unexpected_values, default=str),
                 json.dumps(item.sample_message_ids))
                for suite in outcomes
                for item in suite.expectations
            ],
        )  # fmt: skip
        con.execute(f"insert into {LOADS} select unnest(?::bigint[]), ?", [list(plan.loads), run_id])
        con.execute(
            f"insert into {RUNS} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, run_at, plan.mode, plan.reason, plan.suites_hash, len(plan.loads),
             batch_rows.get(ENVELOPE, 0), all(suite.success for suite in outcomes)],
        )  # fmt: skip
        totals = {
            suite.suite: int(con.execute(f"select count(*) from {GX_SCHEMA}.{quote_ident(suite.suite)}").fetchone()[0])
            for suite in outcomes
        }
    return totals
