"""The raw layer: DDL for ``raw.loads``, ``raw.events`` and ``raw.rejected_events``.

The raw layer is the contract between the loader and everything downstream (dbt sources, GX).
It keeps each accepted message whole in ``message`` so every model can be rebuilt from raw alone.
"""

from __future__ import annotations

import re

import duckdb

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
    message_id               varchar not null,
    event                    varchar not null,
    user_id                  varchar not null,
    event_at                 timestamp not null,
    event_at_source          varchar not null,
    received_at              timestamp,
    message_type             varchar,
    message                  json not null{zstd},
    properties               json{zstd},
    context                  json{zstd},
    is_generated_message_id  boolean not null,
    load_id                  bigint not null,
    source_file              varchar not null,
    line_number              bigint not null,
    record_index             integer
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


def _has_zstd(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file's storage format has ZSTD for strings (v1.2.0 and later; see settings.STORAGE_VERSION)."""
    tags = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()
    found = re.match(r"v(\d+)\.(\d+)", (tags[0] if tags else {}).get("storage_version") or "")
    return bool(found) and (int(found.group(1)), int(found.group(2))) >= (1, 2)


class OutdatedWarehouse(Exception):
    """The warehouse was made by an older loader whose raw.events no longer matches this one."""


OUTDATED_CHECK = """
select count(*) from duckdb_columns()
where schema_name = 'raw' and table_name = 'events' and column_name in ('properties', 'context')
  and column_default is not null
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, its tables and the load-id sequence if they do not exist.

    ``message`` is stored with ZSTD: at 1M events that is 91 MB instead of 512 MB (FSST, DuckDB's default
    choice) and faster to write. A file made in an older storage format keeps DuckDB's default.
    """
    con.execute(DDL.replace("{zstd}", " using compression zstd" if _has_zstd(con) else ""))
    # raw.loads.modified_at (the file's mtime, for skipping known files unread) came later: add it to older files
    con.execute("alter table raw.loads add column if not exists modified_at timestamp")
    if con.execute(OUTDATED_CHECK).fetchone()[0]:
        raise OutdatedWarehouse(
            "raw.events was created by an older loader (properties/context were computed columns, now they are "
            "stored): load into a new warehouse file (set TELEMETRY_DB, or `make clean` for the demo one)"
        )
