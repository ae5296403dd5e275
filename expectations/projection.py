"""Materialize the relations the suites validate: one ``gx.<suite>`` table per suite, from raw.events.

Each per-event table holds, per row of that event, the DuckDB ``json_type()`` of every spec property
as landed (``BIGINT``, ``UBIGINT``, ``DOUBLE``, ``VARCHAR``, ``BOOLEAN``, ``ARRAY``, ``OBJECT``,
``NULL`` for a JSON null, SQL NULL for an absent key), plus the typed values the value rules need
(NULL when the JSON type is wrong, so a wrong type is reported once, by the type rule).

How: each table is one ``create table as`` over ``raw.events where event = ...``; the scan reads the
event column and fetches only that event's messages, and ``json_type(message, [paths])`` /
``json_extract_string(message, [paths])`` parse each message once per call with all its paths. The
results go straight into narrow typed columns; GX then runs only aggregate queries over them
(pushdown), never over the JSON. Streaming, so memory stays under DuckDB's memory_limit.
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

#: SQL for the envelope suite's columns, over ``gx._landed`` joined to the duplicate ids.
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


def event_table_sql(suite: dict[str, Any]) -> str:
    """``create table gx.<slug> as ...`` for one per-event suite, cut from ``gx._landed``."""
    columns, typed, valued = _plan(suite)
    type_slot = {prop: index + 2 for index, prop in enumerate(typed)}  # 1-based, after '$'
    value_slot = {prop: index + 1 + VALUE_OFFSET for index, prop in enumerate(valued)}  # after the envelope's
    numeric = ", ".join(quote_str(kind) for kind in rules.NUMERIC_JSON_TYPES)
    selected = []
    for column, kind, prop in columns:
        if kind == "envelope":
            expr = prop
        elif kind == "json_type":
            expr = f"types[{type_slot[prop]}]::{JSON_KIND}"
        elif kind == "number":
            value = f"try_cast(vals[{value_slot[prop]}] as double)"
            expr = f"case when types[{type_slot[prop]}] in ({numeric}) then {value} end"
        else:
            expr = f"case when types[{type_slot[prop]}] = 'VARCHAR' then vals[{value_slot[prop]}] end"
        selected.append(f"{expr} as {quote_ident(column)}")
    event = quote_str(suite["meta"]["event"])
    return (
        f"create table {GX_SCHEMA}.{quote_ident(suite['name'])} as\n"
        f"select {', '.join(selected)}\nfrom (\n"
        f"    select message_id, event, user_id, event_at,\n"
        f"        json_type(message, {_paths(typed, [_PROPERTIES])}) as types,\n"
        f"        json_extract_string(message, {_paths(valued, ENVELOPE_PATHS)}) as vals\n"
        f"    from raw.events where event = {event}\n"
        f")"
    )


def envelope_table_sql(suite: dict[str, Any]) -> str:
    columns = [f"{ENVELOPE_SQL[column]} as {quote_ident(column)}" for column in suite["meta"]["projection"]]
    return (
        f"create table {GX_SCHEMA}.{quote_ident(ENVELOPE)} as\n"
        f"with duplicates as (\n"
        f"    select message_id, count(*) as copies from raw.events group by message_id having count(*) > 1\n"
        f")\n"
        f"select {', '.join(columns)}\n"
        f"from (\n"
        f"    select message_id, user_id, event_at, [json_type(message, {_PROPERTIES})] as types,\n"
        f"        json_extract_string(message, {_paths([], ENVELOPE_PATHS)}) as vals\n"
        f"    from raw.events\n"
        f") as landed\n"
        f"left join duplicates on landed.message_id = duplicates.message_id"
    )


def materialize(con: duckdb.DuckDBPyConnection, suites: list[dict[str, Any]]) -> dict[str, int]:
    """Rebuild the ``gx`` schema with one table per suite; returns row counts by suite name."""
    con.execute(f"drop schema if exists {GX_SCHEMA} cascade")
    con.execute(f"create schema {GX_SCHEMA}")
    con.execute(f"create type {JSON_KIND} as enum ({', '.join(quote_str(kind) for kind in _KINDS)})")
    rows: dict[str, int] = {}
    for suite in suites:
        sql = envelope_table_sql(suite) if suite["name"] == ENVELOPE else event_table_sql(suite)
        con.execute(sql)
        count = con.execute(f"select count(*) from {GX_SCHEMA}.{quote_ident(suite['name'])}").fetchone()
        rows[suite["name"]] = int(count[0]) if count else 0
    return rows
