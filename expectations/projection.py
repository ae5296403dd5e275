"""Materialize the relations the suites validate: ``gx._wide`` in one pass, one view per suite.

Per landed message, the DuckDB ``json_type()`` of every spec property of its event (``BIGINT``,
``UBIGINT``, ``DOUBLE``, ``VARCHAR``, ``BOOLEAN``, ``ARRAY``, ``OBJECT``, ``NULL`` for a JSON null, SQL
NULL for an absent key), plus the typed values the value rules need (NULL when the JSON type is wrong,
so a wrong type is reported once, by the type rule), plus the envelope checks.

Speed: raw.events is scanned once and each message parsed twice (one multi-path ``json_type``, one
multi-path ``json_extract_string``, with the paths of the row's own event); the results land in narrow
typed columns of ``gx._wide`` (JSON types as a 1-byte ENUM), NULL on other events' rows. ``gx.<suite>``
views cut each suite's columns and rows out of it; GX runs only aggregate queries over them (pushdown),
never over the JSON. The statement streams, so memory stays under the connection's memory_limit.
"""

from __future__ import annotations

from typing import Any

import duckdb

from expectations import rules
from expectations.suites import ENVELOPE, GX_SCHEMA

_HEX32 = "'[0-9a-f]{32}'"
_HEX64 = "'[0-9a-f]{64}'"
_PROPERTIES = "'$.properties'"
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
    "context_project_is_hex64": f"regexp_full_match(landed.vals[2], {_HEX64})",
    "context_directory_is_hex64": f"regexp_full_match(landed.vals[3], {_HEX64})",
    "properties_json_type": "coalesce(landed.types[1], 'MISSING')",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(prop: str, parent: str = "properties") -> str:
    """The path of a key of ``message.<parent>`` (raw.events.properties is derived from message)."""
    return quote_str(f'$.{parent}."' + prop.replace('"', '\\"') + '"')


#: The envelope's values, first in every row's ``vals``: metrics_id, context.project, context.directory.
ENVELOPE_PATHS = [json_path("metrics_id"), json_path("project", "context"), json_path("directory", "context")]
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


def _suite_exprs(suite: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(column, SQL)]`` of a per-event suite, over the row's ``types`` / ``vals`` lists."""
    columns, typed, valued = _plan(suite)
    type_slot = {prop: index + 2 for index, prop in enumerate(typed)}  # 1-based, after '$.properties'
    value_slot = {prop: index + 1 + VALUE_OFFSET for index, prop in enumerate(valued)}  # after the envelope's
    numeric = ", ".join(quote_str(kind) for kind in rules.NUMERIC_JSON_TYPES)
    exprs = []
    for column, kind, prop in columns:
        if kind == "envelope":
            expr = f"landed.{prop}"
        elif kind == "json_type":
            expr = f"landed.types[{type_slot[prop]}]::{JSON_KIND}"
        elif kind == "number":
            value = f"try_cast(landed.vals[{value_slot[prop]}] as double)"
            expr = f"case when landed.types[{type_slot[prop]}] in ({numeric}) then {value} end"
        else:
            expr = f"case when landed.types[{type_slot[prop]}] = 'VARCHAR' then landed.vals[{value_slot[prop]}] end"
        exprs.append((column, expr))
    return exprs


def wide_sql(suites: list[dict[str, Any]]) -> str:
    """One pass over raw.events into ``gx._wide``: every suite's columns, NULL on other events' rows.

    Per row, ``json_type(message, [paths])`` and ``json_extract_string(message, [paths])`` read the
    paths of the row's own event (a ``case`` on ``event``), each parsing the message once: ``types[1]``
    is the type of ``properties`` itself, ``vals[1:3]`` the envelope's values (``ENVELOPE_PATHS``),
    then the suite's properties in ``_plan`` order.
    """
    type_cases, value_cases, selected = [], [], ["landed.event"]
    for suite in suites:
        if suite["name"] == ENVELOPE:
            selected += [f"{ENVELOPE_SQL[c]} as {wide_column(ENVELOPE, c)}" for c in suite["meta"]["projection"]]
            continue
        _, typed, valued = _plan(suite)
        event = quote_str(suite["meta"]["event"])
        type_cases.append(f"when {event} then json_type(message, {_paths(typed, [_PROPERTIES])})")
        value_cases.append(f"when {event} then json_extract_string(message, {_paths(valued, ENVELOPE_PATHS)})")
        selected += [
            f"case when landed.event = {event} then {expr} end as {wide_column(suite['name'], column)}"
            for column, expr in _suite_exprs(suite)
        ]
    types = "case event " + " ".join(type_cases) + f" else json_type(message, [{_PROPERTIES}]) end"
    envelope_only = f"json_extract_string(message, {_paths([], ENVELOPE_PATHS)})"
    vals = "case event " + " ".join(value_cases) + f" else {envelope_only} end"
    return (
        f"create table {WIDE} as\n"
        f"with duplicates as (\n"
        f"    select message_id, count(*) as copies from raw.events group by message_id having count(*) > 1\n"
        f")\n"
        f"select {', '.join(selected)}\n"
        f"from (\n"
        f"    select message_id, event, user_id, event_at, {types} as types, {vals} as vals from raw.events\n"
        f") as landed\n"
        f"left join duplicates on landed.message_id = duplicates.message_id"
    )


def suite_view_sql(suite: dict[str, Any]) -> str:
    """``gx.<suite>``: the suite's columns of ``gx._wide``, on its own event's rows."""
    name = suite["name"]
    columns = ", ".join(
        f"{wide_column(name, column)} as {quote_ident(column)}" for column in suite["meta"]["projection"]
    )
    where = "" if name == ENVELOPE else f" where event = {quote_str(suite['meta']['event'])}"
    return f"create view {GX_SCHEMA}.{quote_ident(name)} as select {columns} from {WIDE}{where}"


def materialize(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]]) -> dict[str, int]:
    """Rebuild the ``gx`` schema: ``gx._wide`` in one pass and one view per suite; row counts by suite."""
    con.execute(f"drop schema if exists {GX_SCHEMA} cascade")
    con.execute(f"create schema {GX_SCHEMA}")
    con.execute(f"create type {JSON_KIND} as enum ({', '.join(quote_str(kind) for kind in _KINDS)})")
    con.execute(wide_sql(suites))
    counts = dict(con.execute(f"select event, count(*) from {WIDE} group by 1").fetchall())
    rows: dict[str, int] = {}
    for suite in suites:
        con.execute(suite_view_sql(suite))
        total = sum(counts.values()) if suite["name"] == ENVELOPE else counts.get(suite["meta"]["event"], 0)
        rows[suite["name"]] = int(total)
    return rows
