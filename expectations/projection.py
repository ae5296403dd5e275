"""Materialize the relations the suites validate: one ``gx.<suite>`` table per suite.

Per landed message, the DuckDB ``json_type()`` of every spec property of its event (``BIGINT``,
``UBIGINT``, ``DOUBLE``, ``VARCHAR``, ``BOOLEAN``, ``ARRAY``, ``OBJECT``, ``NULL`` for a JSON null, SQL
NULL for an absent key), plus the typed values the value rules need (NULL when the JSON type is wrong,
so a wrong type is reported once, by the type rule), plus the envelope checks.

Speed (writing a column costs more than reading one, and strings cost most):

- ``gx.envelope`` comes from one pass over every row: ``message_id``, its copies, the envelope checks.
  ``properties`` is parsed once there (``metrics_id``); its own JSON type is read from its first byte.
- An event with a large share of the rows (``OWN_PASS_SHARE``) gets its own pass straight into its
  table: ``where event = ...``, one multi-path ``json_type`` and one multi-path ``json_extract_string``
  over ``properties``, no column written that the suite does not read.
- The remaining (small) events share one pass into ``<schema>._small_events``, whose slot columns are shared
  by those events (``t_i``: the JSON type of the row's own event's i-th property as a 1-byte ENUM,
  ``v_i``: the text of its i-th valued property); each of their tables is then cut from it.

A run projects a :class:`Batch` of raw.events: every row (a full run: ``gx`` is rebuilt), or the rows
of the loads not projected yet, appended to the ``gx`` tables (an incremental run, ``state.py``). Every
table keeps each row's ``load_id``, so GX validates the batch as ``where load_id ...`` and a run that
failed after projecting is undone by deleting its loads' rows. Every pass filters on ``load_id``, which
DuckDB prunes by row group (loads are appended in order), so a nightly run reads only the new rows, plus
the ``message_id`` column of every row (uniqueness spans all loads).

GX runs only aggregate queries over the ``gx.<suite>`` tables (pushdown), never over the JSON. The
statements stream, so memory stays under the connection's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from common import json_types
from common.transactions import transaction
from expectations.suites import ENVELOPE, GX_SCHEMA

_HEX32 = "'[0-9a-f]{32}'"
_HEX64 = "'[0-9a-f]{64}'"
#: json_type() results as a 1-byte ENUM: the per-event tables are written and scanned much faster.
JSON_KIND = f"{GX_SCHEMA}.json_kind"
_KINDS = ("BIGINT", "UBIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "ARRAY", "OBJECT", "NULL")
#: An event with at least this share of the rows is projected by its own pass over raw.events; the
#: others share one. A pass reads all of ``properties`` whatever it keeps, so a small event is cheaper
#: to cut from the shared table than to scan for.
OWN_PASS_SHARE = 0.05
SMALL_EVENTS = "_small_events"
#: The raw.events columns a per-event table carries besides its slots (the GX sample ids, the load).
SLOT_ENVELOPE = ("message_id", "load_id")
#: Every ``gx`` table's last column: the load of the row (not validated; it selects a run's batch).
LINEAGE = "load_id"

#: The JSON type of a stored JSON value from its first byte; ``json_type`` only for numbers (and
#: anything else), which need the whole token. Exact for valid JSON, and saves a parse of every row.
_ROOT_TYPE = (
    "case left(properties::varchar, 1) when '{' then 'OBJECT' when '[' then 'ARRAY' when '\"' then 'VARCHAR' "
    "when 't' then 'BOOLEAN' when 'f' then 'BOOLEAN' when 'n' then 'NULL' else json_type(properties) end"
)

#: SQL for the envelope suite's columns, over the landed row joined to its copy number.
#: ``message_id_copies`` counts the copies of the row's ``message_id`` landed up to and including this row
#: (in ``load_id``, ``line_number``, ``record_index`` order): 1 for the first copy, 2 for the second. So a
#: duplicated id makes every copy after the first unexpected, and a later load's copy of an id validated
#: earlier is caught in the run that projects it, without re-validating the earlier row.
ENVELOPE_SQL: dict[str, str] = {
    "message_id": "landed.message_id",
    "message_id_copies": "coalesce(copies.copy, 1)",
    "event_at": "landed.event_at",
    "user_id_is_hex32": f"regexp_full_match(landed.user_id, {_HEX32})",
    "metrics_id_matches_user_id": "landed.metrics_id = landed.user_id",
    "context_project_is_hex64": f"regexp_full_match(landed.ctx[1], {_HEX64})",
    "context_directory_is_hex64": f"regexp_full_match(landed.ctx[2], {_HEX64})",
    "properties_json_type": "coalesce(landed.root_type, 'MISSING')",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(key: str) -> str:
    """The path of a top-level key of a JSON object (raw.events.properties or raw.events.context)."""
    return quote_str('$."' + key.replace('"', '\\"') + '"')


CONTEXT_PATHS = [json_path("project"), json_path("directory")]


@dataclass(frozen=True)
class Batch:
    """The raw.events rows a run projects: those of ``load_ids`` (None: every row, a full run)."""

    load_ids: tuple[int, ...] | None = None

    @property
    def where(self) -> str:
        """A predicate over raw.events: ``load_id`` ranges, which DuckDB prunes by row group."""
        if self.load_ids is None:
            return "true"
        ids = sorted(set(self.load_ids))
        ranges: list[list[int]] = []
        for load_id in ids:
            if ranges and load_id == ranges[-1][1] + 1:
                ranges[-1][1] = load_id
            else:
                ranges.append([load_id, load_id])
        return "(" + (" or ".join(f"load_id between {low} and {high}" for low, high in ranges) or "false") + ")"


def _plan(suite: dict[str, Any]) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """``[(column, kind, property)]``, the type paths' properties and the value paths' properties."""
    columns = []
    for column, spec in suite["meta"]["projection"].items():
        kind, prop = spec.split(":", 1)
        if kind not in ("envelope", "json_type", "number", "string"):
            raise ValueError(f"suite {suite['name']}: unknown projection kind {kind!r}")
        columns.append((column, kind, prop))
    typed = list(dict.fromkeys(prop for _, kind, prop in columns if kind != "envelope"))
    valued = list(dict.fromkeys(prop for _, kind, prop in columns if kind in ("number", "string")))
    return columns, typed, valued


def _paths(props: list[str]) -> str:
    return "[" + ", ".join(json_path(prop) for prop in props) + "]"


def _type_slot(index: int) -> str:
    """The slot column of the ``index``-th (1-based) typed property of the row's own event."""
    return f"t_{index}"


def _value_slot(index: int) -> str:
    """The slot column of the ``index``-th (1-based) valued property of the row's own event."""
    return f"v_{index}"


def _suite_exprs(suite: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(column, SQL)]`` of a per-event suite, over its event's slot columns."""
    columns, typed, valued = _plan(suite)
    type_slot = {prop: _type_slot(index) for index, prop in enumerate(typed, 1)}
    value_slot = {prop: _value_slot(index) for index, prop in enumerate(valued, 1)}
    numeric = ", ".join(quote_str(kind) for kind in json_types.NUMERIC_ENGINE_TYPES)
    exprs = []
    for column, kind, prop in columns:
        if kind == "envelope":
            if prop not in SLOT_ENVELOPE or prop == LINEAGE:
                raise ValueError(f"suite {suite['name']}: envelope column {prop!r} is only in the envelope suite")
            expr = prop
        elif kind == "json_type":
            expr = type_slot[prop]
        elif kind == "number":
            expr = f"case when {type_slot[prop]} in ({numeric}) then try_cast({value_slot[prop]} as double) end"
        else:
            expr = f"case when {type_slot[prop]} = 'VARCHAR' then {value_slot[prop]} end"
        exprs.append((column, expr))
    return [*exprs, (LINEAGE, LINEAGE)]


def slots_sql(suites: list[dict[str, Any]], where: str = "true") -> str:
    """One pass over the rows of the suites' events: ``event``, ``SLOT_ENVELOPE`` and slot columns.

    Per row, ``json_type(properties, [paths])`` and ``json_extract_string(properties, [paths])`` read the
    paths of the row's own event (a ``case`` on ``event`` when there are several), each parsing
    ``properties`` once. Slot ``t_i`` holds the JSON type of the row's event's i-th typed property and
    ``v_i`` the text of its i-th valued one, so the result is as wide as the widest of these events.
    """
    plans = [(quote_str(suite["meta"]["event"]), *_plan(suite)[1:]) for suite in suites]
    type_slots = max(len(typed) for _, typed, _ in plans)
    value_slots = max(len(valued) for _, _, valued in plans)
    if len(plans) == 1:
        event, typed, valued = plans[0]
        types = f"json_type(properties, {_paths(typed)})"
        vals = f"json_extract_string(properties, {_paths(valued)})"
        event_filter = f"event = {event}"
    else:
        types = "case event " + " ".join(f"when {e} then json_type(properties, {_paths(t)})" for e, t, _ in plans)
        vals = "case event " + " ".join(
            f"when {e} then json_extract_string(properties, {_paths(v)})" for e, _, v in plans if v
        )
        types, vals = types + " end", vals + " end"
        event_filter = f"event in ({', '.join(event for event, _, _ in plans)})"
    selected = ["event", *SLOT_ENVELOPE]
    selected += [f"types[{index}]::{JSON_KIND} as {_type_slot(index)}" for index in range(1, type_slots + 1)]
    selected += [f"vals[{index}] as {_value_slot(index)}" for index in range(1, value_slots + 1)]
    inner = f"event, {', '.join(SLOT_ENVELOPE)}, {types} as types" + (f", {vals} as vals" if value_slots else "")
    landed = f"select {inner} from raw.events where {event_filter} and {where}"
    return f"select {', '.join(selected)} from ({landed}) as landed"


def envelope_sql(suite: dict[str, Any], batch: Batch) -> str:
    """The ``envelope`` rows of the batch: one per landed message, with the envelope checks.

    One pass over the batch's rows, joined to the copy numbers of the ids that occur more than once in
    raw.events. In an incremental run only ids of the batch are counted (a semi-join over every row's
    ``message_id``), so a copy in an earlier load is still seen.
    """
    columns = [f"{ENVELOPE_SQL[column]} as {quote_ident(column)}" for column in suite["meta"]["projection"]]
    columns.append(f"landed.{LINEAGE}")
    in_batch = ""
    if batch.load_ids is not None:
        in_batch = f"where message_id in (select message_id from raw.events where {batch.where})\n"
    return (
        f"with duplicated as (\n"
        f"    select message_id from raw.events\n"
        f"    {in_batch}"
        f"    group by message_id having count(*) > 1\n"
        f"),\n"
        f"copies as (\n"
        f"    select rowid as row_id, row_number() over (\n"
        f"        partition by message_id order by load_id, line_number, record_index, rowid\n"
        f"    ) as copy\n"
        f"    from raw.events where message_id in (select message_id from duplicated)\n"
        f")\n"
        f"select {', '.join(columns)}\n"
        f"from (\n"
        f"    select rowid as row_id, message_id, {LINEAGE}, event_at, user_id, {_ROOT_TYPE} as root_type,\n"
        f"        json_extract_string(properties, {json_path('metrics_id')}) as metrics_id,\n"
        f"        json_extract_string(context, [{', '.join(CONTEXT_PATHS)}]) as ctx\n"
        f"    from raw.events where {batch.where}\n"
        f") as landed\n"
        f"left join copies on landed.row_id = copies.row_id"
    )


def suite_select(suite: dict[str, Any], source: str) -> str:
    """A per-event suite's rows: its columns, named and typed, from its event's slot columns in ``source``."""
    columns = ", ".join(f"{expr} as {quote_ident(column)}" for column, expr in _suite_exprs(suite))
    return f"select {columns} from {source}"


def write_sql(name: str, select: str, batch: Batch) -> str:
    """``gx.<name>`` from ``select``: created by a full run, appended to by an incremental one."""
    table = f"{GX_SCHEMA}.{quote_ident(name)}"
    if batch.load_ids is None:
        return f"create table {table} as\n{select}"
    return f"insert into {table} by name\nselect * from (\n{select}\n) as batch"


def own_pass(counts: dict[str, int]) -> set[str]:
    """The events that get their own pass over raw.events: those with ``OWN_PASS_SHARE`` of the rows."""
    total = sum(counts.values())
    return {event for event, rows in counts.items() if total and rows >= OWN_PASS_SHARE * total}


def reset(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]], batch: Batch) -> None:
    """A full run drops and recreates ``gx``; an incremental one deletes rows of the batch's loads that a
    run which failed after projecting left behind (loads are only recorded as validated when a run commits).
    """
    if batch.load_ids is None:
        con.execute(f"drop schema if exists {GX_SCHEMA} cascade")
        con.execute(f"create schema {GX_SCHEMA}")
        con.execute(f"create type {JSON_KIND} as enum ({', '.join(quote_str(kind) for kind in _KINDS)})")
        return
    for suite in suites:
        con.execute(f"delete from {GX_SCHEMA}.{quote_ident(suite['name'])} where {batch.where}")


#: A full run: every row of raw.events.
EVERY_ROW = Batch()


def materialize(
    con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]], batch: Batch = EVERY_ROW
) -> dict[str, int]:
    """Project the batch's rows into ``gx.<suite>``, one table per suite; the batch's row counts by suite.

    An incremental batch is written in one transaction: a run that fails while projecting leaves nothing
    behind, and there is one commit instead of one per table (a nightly projection at 10M rows, beside GX's
    import: 2.4-3.1 s in autocommit, 2.2 s in one transaction). A full one stays in autocommit, so each big
    table is committed alone.
    """
    if batch.load_ids is None:
        return _materialize(con, suites, batch)
    with transaction(con):
        return _materialize(con, suites, batch)


def _materialize(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]], batch: Batch) -> dict[str, int]:
    reset(con, suites, batch)
    found = con.execute(f"select event, count(*) from raw.events where {batch.where} group by event").fetchall()
    counts = {str(event): int(rows) for event, rows in found}
    big = own_pass(counts)
    small = [suite for suite in suites if suite["name"] != ENVELOPE and suite["meta"]["event"] not in big]
    shared = {suite["name"] for suite in small} if len(small) > 1 else set()  # one small event: its own pass
    small_events = f"{GX_SCHEMA}.{SMALL_EVENTS}"
    if shared:
        con.execute(f"create table {small_events} as {slots_sql(small, batch.where)}")
    rows: dict[str, int] = {}
    for suite in suites:
        if suite["name"] == ENVELOPE:
            con.execute(write_sql(suite["name"], envelope_sql(suite, batch), batch))
            rows[suite["name"]] = sum(counts.values())
            continue
        event = suite["meta"]["event"]
        if suite["name"] in shared:
            source = f"{small_events} where event = {quote_str(event)}"
        else:
            source = f"({slots_sql([suite], batch.where)}) as slots"
        con.execute(write_sql(suite["name"], suite_select(suite, source), batch))
        rows[suite["name"]] = counts.get(event, 0)
    con.execute(f"drop table if exists {small_events}")
    return rows
