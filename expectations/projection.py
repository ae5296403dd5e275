"""Materialize the relations the suites validate: ``gx._wide`` in one pass, one view per suite.

Per landed message, the DuckDB ``json_type()`` of every spec property of its event (``BIGINT``,
``UBIGINT``, ``DOUBLE``, ``VARCHAR``, ``BOOLEAN``, ``ARRAY``, ``OBJECT``, ``NULL`` for a JSON null, SQL
NULL for an absent key), plus the typed values the value rules need (NULL when the JSON type is wrong,
so a wrong type is reported once, by the type rule), plus the envelope checks.

Speed: raw.events is scanned once and each row's properties parsed twice (one multi-path ``json_type``,
one multi-path ``json_extract_string``, with the paths of the row's own event) and its context once. The
results land in ``gx._wide``: the envelope checks, and slot columns shared by all events (``t_i``: the
JSON type of the row's i-th spec property as a 1-byte ENUM, ``v_i``: a value the value rules read), so
the table is as wide as the widest event (about 50 columns), not one column per suite and property (150).
``gx.<suite>`` tables name a suite's slots and hold its rows (the envelope's is a view); GX runs only
aggregate queries over them (pushdown), never over the JSON. The statements stream, so memory stays under
the connection's limit.
"""

from __future__ import annotations

from typing import Any

import duckdb

from expectations import rules
from expectations.suites import ENVELOPE, GX_SCHEMA

_HEX32 = "'[0-9a-f]{32}'"
_HEX64 = "'[0-9a-f]{64}'"
_ROOT = "'$'"
#: json_type() results as a 1-byte ENUM: the per-event tables are written and scanned much faster.
JSON_KIND = f"{GX_SCHEMA}.json_kind"
_KINDS = ("BIGINT", "UBIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "ARRAY", "OBJECT", "NULL")

#: SQL for the envelope suite's columns, over the landed row joined to the duplicate ids.
ENVELOPE_SQL: dict[str, str] = {
    "message_id": "landed.message_id",
    "message_id_copies": "coalesce(duplicates.copies, 1)",
    "event_at": "landed.event_at",
    "user_id_is_hex32": f"regexp_full_match(landed.user_id, {_HEX32})",
    "metrics_id_matches_user_id": "landed.vals[1] = landed.user_id",
    "context_project_is_hex64": f"regexp_full_match(landed.ctx[1], {_HEX64})",
    "context_directory_is_hex64": f"regexp_full_match(landed.ctx[2], {_HEX64})",
    "properties_json_type": "coalesce(landed.types[1], 'MISSING')",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(key: str) -> str:
    """The path of a top-level key of a JSON object (raw.events.properties or raw.events.context)."""
    return quote_str('$."' + key.replace('"', '\\"') + '"')


#: The envelope's values: metrics_id first in every row's ``vals``; context.project and context.directory
#: in ``ctx``.
ENVELOPE_PATHS = [json_path("metrics_id")]
CONTEXT_PATHS = [json_path("project"), json_path("directory")]
VALUE_OFFSET = len(ENVELOPE_PATHS)


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


def _paths(props: list[str], first: list[str]) -> str:
    return "[" + ", ".join([*first, *(json_path(prop) for prop in props)]) + "]"


WIDE = f"{GX_SCHEMA}._wide"


def wide_column(suite: str, column: str) -> str:
    return quote_ident(f"{suite}__{column}")


def _type_slot(index: int) -> str:
    """The ``gx._wide`` column of the ``index``-th (1-based) typed property of the row's own event."""
    return f"t_{index}"


def _value_slot(index: int) -> str:
    """The ``gx._wide`` column of the ``index``-th (1-based) valued property of the row's own event."""
    return f"v_{index}"


def _slots(suites: list[dict[str, Any]]) -> tuple[int, int]:
    """How many type and value slots the widest event needs."""
    plans = [_plan(suite) for suite in suites if suite["name"] != ENVELOPE]
    return max((len(typed) for _, typed, _ in plans), default=0), max((len(v) for _, _, v in plans), default=0)


def _suite_exprs(suite: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(column, SQL)]`` of a per-event suite, over the slot columns of ``gx._wide``."""
    columns, typed, valued = _plan(suite)
    type_slot = {prop: _type_slot(index) for index, prop in enumerate(typed, 1)}
    value_slot = {prop: _value_slot(index) for index, prop in enumerate(valued, 1)}
    numeric = ", ".join(quote_str(kind) for kind in rules.NUMERIC_JSON_TYPES)
    exprs = []
    for column, kind, prop in columns:
        if kind == "envelope":
            expr = wide_column(ENVELOPE, prop)
        elif kind == "json_type":
            expr = type_slot[prop]
        elif kind == "number":
            expr = f"case when {type_slot[prop]} in ({numeric}) then try_cast({value_slot[prop]} as double) end"
        else:
            expr = f"case when {type_slot[prop]} = 'VARCHAR' then {value_slot[prop]} end"
        exprs.append((column, expr))
    return exprs


def wide_sql(suites: list[dict[str, Any]]) -> str:
    """One pass over raw.events into ``gx._wide``: the envelope suite's columns plus shared slot columns.

    Per row, ``json_type(properties, [paths])`` and ``json_extract_string(properties, [paths])`` read the
    paths of the row's own event (a ``case`` on ``event``), each parsing the properties once: ``types[1]``
    is the type of ``properties`` itself, ``vals[1]`` is metrics_id (``ENVELOPE_PATHS``), then the event's
    properties in ``_plan`` order; ``ctx`` holds context.project and context.directory. Slot ``t_i`` holds
    the JSON type of the row's own event's i-th typed property and ``v_i`` the text of its i-th valued one,
    so the table is as wide as the widest event, not as all events together; ``suite_relation_sql`` names them.
    """
    type_cases, value_cases, selected = [], [], ["landed.event"]
    type_slots, value_slots = _slots(suites)
    for suite in suites:
        if suite["name"] == ENVELOPE:
            selected += [f"{ENVELOPE_SQL[c]} as {wide_column(ENVELOPE, c)}" for c in suite["meta"]["projection"]]
            continue
        _, typed, valued = _plan(suite)
        event = quote_str(suite["meta"]["event"])
        type_cases.append(f"when {event} then json_type(properties, {_paths(typed, [_ROOT])})")
        value_cases.append(f"when {event} then json_extract_string(properties, {_paths(valued, ENVELOPE_PATHS)})")
    selected += [f"landed.types[{index + 1}]::{JSON_KIND} as {_type_slot(index)}" for index in range(1, type_slots + 1)]
    selected += [f"landed.vals[{index + VALUE_OFFSET}] as {_value_slot(index)}" for index in range(1, value_slots + 1)]
    types = "case event " + " ".join(type_cases) + f" else json_type(properties, [{_ROOT}]) end"
    envelope_only = f"json_extract_string(properties, {_paths([], ENVELOPE_PATHS)})"
    vals = "case event " + " ".join(value_cases) + f" else {envelope_only} end"
    ctx = f"json_extract_string(context, {_paths([], CONTEXT_PATHS)})"
    return (
        f"create table {WIDE} as\n"
        f"with duplicates as (\n"
        f"    select message_id, count(*) as copies from raw.events group by message_id having count(*) > 1\n"
        f")\n"
        f"select {', '.join(selected)}\n"
        f"from (\n"
        f"    select message_id, event, user_id, event_at, {types} as types, {vals} as vals, {ctx} as ctx\n"
        f"    from raw.events\n"
        f") as landed\n"
        f"left join duplicates on landed.message_id = duplicates.message_id"
    )


def suite_relation_sql(suite: dict[str, Any]) -> str:
    """``gx.<suite>``: the suite's columns out of ``gx._wide``, on its own event's rows.

    The envelope suite reads every row as it is in ``gx._wide``: a view. An event's suite is a small table
    of its own rows with its slots named and typed, so GX's many queries scan only those.
    """
    name = suite["name"]
    if name == ENVELOPE:
        exprs = [(column, wide_column(ENVELOPE, column)) for column in suite["meta"]["projection"]]
        kind, where = "view", ""
    else:
        exprs = _suite_exprs(suite)
        kind, where = "table", f" where event = {quote_str(suite['meta']['event'])}"
    columns = ", ".join(f"{expr} as {quote_ident(column)}" for column, expr in exprs)
    return f"create {kind} {GX_SCHEMA}.{quote_ident(name)} as select {columns} from {WIDE}{where}"


def materialize(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]]) -> dict[str, int]:
    """Rebuild the ``gx`` schema: ``gx._wide`` in one pass, then each suite's relation; row counts by suite."""
    con.execute(f"drop schema if exists {GX_SCHEMA} cascade")
    con.execute(f"create schema {GX_SCHEMA}")
    con.execute(f"create type {JSON_KIND} as enum ({', '.join(quote_str(kind) for kind in _KINDS)})")
    con.execute(wide_sql(suites))
    counts = dict(con.execute(f"select event, count(*) from {WIDE} group by 1").fetchall())
    rows: dict[str, int] = {}
    for suite in suites:
        con.execute(suite_relation_sql(suite))
        total = sum(counts.values()) if suite["name"] == ENVELOPE else counts.get(suite["meta"]["event"], 0)
        rows[suite["name"]] = int(total)
    return rows
