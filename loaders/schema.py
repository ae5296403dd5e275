"""The raw layer: ``raw.events``, ``raw.rejected_events``, ``raw.loads`` and the ``raw.messages`` view.

The raw layer is the contract between the loader and everything downstream (dbt sources, GX). It keeps
each accepted message's *content*: one typed column per Segment envelope key (:data:`ENVELOPE`),
``properties``/``context``/``integrations`` as JSON, and ``extra`` for everything else, plus lineage back to
the archive bytes (``source_file``, ``file_sha256``, ``line_number``, ``record_index``). ``raw.messages``
rebuilds each message from those columns. Rejected lines keep their bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class EnvelopeKey:
    key: str  # the top-level key as Segment writes it
    column: str  # its column in raw.events
    kind: str  # string | timestamp | integer | json


#: Segment's envelope keys (wire-format.md §5): each has its own typed column. A value whose JSON type or
#: text does not round-trip through its column (a number sent as ``event``, a timestamp not written as
#: Segment writes them, a JSON ``null``) keeps its typed reading there and its original value in ``extra``.
ENVELOPE: tuple[EnvelopeKey, ...] = (
    EnvelopeKey("messageId", "message_id", "string"),
    EnvelopeKey("type", "message_type", "string"),
    EnvelopeKey("event", "event", "string"),
    EnvelopeKey("userId", "user_id", "string"),
    EnvelopeKey("anonymousId", "anonymous_id", "string"),
    EnvelopeKey("timestamp", "timestamp", "timestamp"),
    EnvelopeKey("receivedAt", "received_at", "timestamp"),
    EnvelopeKey("sentAt", "sent_at", "timestamp"),
    EnvelopeKey("originalTimestamp", "original_timestamp", "timestamp"),
    EnvelopeKey("channel", "channel", "string"),
    EnvelopeKey("version", "version", "integer"),
    EnvelopeKey("projectId", "project_id", "string"),
    EnvelopeKey("integrations", "integrations", "json"),
    EnvelopeKey("properties", "properties", "json"),
    EnvelopeKey("context", "context", "json"),
)
#: Never stored, at any depth (Segment's source secret; wire-format.md §5).
SECRET_KEY = "writeKey"
SQL_TYPE = {"string": "varchar", "timestamp": "timestamp", "integer": "bigint", "json": "json"}

#: What a row of raw.events records beyond the envelope.
EVENT_COLUMNS = """
    is_generated_message_id  boolean not null,
    event_at                 timestamp not null,
    event_at_source          varchar not null,
    extra                    json{zstd},
    load_id                  bigint not null,
    source_file              varchar not null,
    file_sha256              varchar not null,
    line_number              bigint not null,
    record_index             integer"""
NOT_NULL = {"message_id", "event", "user_id"}


def _envelope_ddl(zstd: str) -> str:
    lines = []
    for key in ENVELOPE:
        suffix = " not null" if key.column in NOT_NULL else (zstd if key.kind == "json" else "")
        lines.append(f"    {quote(key.column):<24} {SQL_TYPE[key.kind]}{suffix},")
    return "\n".join(lines)


def quote(name: str) -> str:
    return f'"{name}"' if name == "timestamp" else name


DDL = """
create schema if not exists raw;

create sequence if not exists raw.load_id_seq start 1;

create table if not exists raw.loads (
    load_id       bigint primary key,
    run_id        varchar not null,
    source_file   varchar not null,
    file_sha256   varchar,
    bytes         bigint,
    lines         bigint,
    records       bigint,
    accepted      bigint,
    duplicates    bigint,
    rejected      bigint,
    started_at    timestamp not null,
    finished_at   timestamp,
    status        varchar not null,
    error         varchar,
    modified_at   timestamp
);

create table if not exists raw.events (
{envelope}
{events}
);

create table if not exists raw.rejected_events (
    load_id       bigint not null,
    source_file   varchar not null,
    file_sha256   varchar not null,
    line_number   bigint not null,
    record_index  integer,
    reason        varchar not null,
    detail        varchar,
    raw_line      varchar,
    raw_bytes     blob
);
"""


def messages_view() -> str:
    """``raw.messages``: each accepted message rebuilt as JSON from its columns (``writeKey`` never stored).

    A typed column contributes its key unless ``extra`` holds that key (then the original value is there).
    """
    entries = []
    for key in ENVELOPE:
        column = quote(key.column)
        if key.kind == "timestamp":
            value = f"to_json(strftime({column}, '%Y-%m-%dT%H:%M:%S.%gZ'))"
        elif key.kind == "json":
            value = column
        else:
            value = f"to_json({column})"
        if key.column == "message_id":  # a generated id was not in the message
            column = "case when not is_generated_message_id then message_id end"
        entries.append(f"case when {column} is not null then {{'key': '{key.key}', 'value': {value}::json}} end")
    return f"""
create or replace view raw.messages as
select
    message_id, load_id, source_file, file_sha256, line_number, record_index,
    to_json(map_from_entries(
        list_filter([{", ".join(entries)}], entry -> entry is not null
                    and not coalesce(list_contains(json_keys(extra), entry.key), false))
        || coalesce((select list({{'key': key, 'value': value::json}}) from json_each(raw.events.extra)), [])
    )) as message
from raw.events
"""


def _has_zstd(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's storage format has ZSTD for strings (v1.2.0 and later; see settings.STORAGE_VERSION)."""
    tags = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()
    found = re.match(r"v(\d+)\.(\d+)", (tags[0] if tags else {}).get("storage_version") or "")
    return bool(found) and (int(found.group(1)), int(found.group(2))) >= (1, 2)


class OutdatedWarehouse(Exception):
    """The warehouse was made by a loader whose raw.events this one can neither use nor migrate."""


OUTDATED_CHECK = """
select count(*) from duckdb_columns()
where schema_name = 'raw' and table_name = 'events' and column_name in ('properties', 'context')
  and column_default is not null
"""


def raw_ddl(con: duckdb.DuckDBPyConnection) -> str:
    """The raw layer's DDL for this file (ZSTD where its storage format has it)."""
    zstd = " using compression zstd" if _has_zstd(con) else ""
    return DDL.format(envelope=_envelope_ddl(zstd), events=EVENT_COLUMNS.replace("{zstd}", zstd))


def create_events_ddl(con: duckdb.DuckDBPyConnection) -> str:
    ddl = raw_ddl(con)
    return ddl[ddl.index("create table if not exists raw.events") :].split(";")[0]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, its tables, the load-id sequence and ``raw.messages`` if they do not exist.

    The JSON columns are stored with ZSTD (1M messages: a fraction of DuckDB's default FSST size, and faster
    to write). A file made in an older storage format keeps DuckDB's default. A raw.events that still stores
    whole messages is migrated first (loaders.migrate, called by loaders.warehouse).
    """
    if con.execute(OUTDATED_CHECK).fetchone()[0]:
        raise OutdatedWarehouse(
            "raw.events was created by an older loader (properties/context were computed columns): "
            "load into a new warehouse file (set TELEMETRY_DB, or `make clean` for the demo one)"
        )
    con.execute(raw_ddl(con))
    # raw.loads.modified_at (the file's mtime, for skipping known files unread) came later: add it to older files
    con.execute("alter table raw.loads add column if not exists modified_at timestamp")
    con.execute(messages_view())
