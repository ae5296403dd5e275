"""Migrating a warehouse whose ``raw.events`` stores each message whole (``message``) to the content +
lineage layout (loaders.schema), in place and in one transaction.

Each stored message is classified again by the loader's own SQL, so the new columns mean exactly what a
fresh load would give them; what the old rows decided at their load (message id, event time, lineage) is kept.
"""

from __future__ import annotations

import duckdb

from common.transactions import transaction
from loaders import temp_tables
from loaders.classify import classify_sql
from loaders.schema import ENVELOPE, quote

KEPT = ("message_id", "event", "user_id", "received_at", "message_type")  # as the old loader read them

OLD_LAYOUT = """
select count(*) filter (where column_name = 'message') > 0 and count(*) filter (where column_default is not null) = 0
from duckdb_columns()
where schema_name = 'raw' and table_name = 'events'
"""


def needs_migration(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(OLD_LAYOUT).fetchone()[0])


def migrate(con: duckdb.DuckDBPyConnection, create_events: str) -> int:
    """Rewrite raw.events in the new layout; returns the rows migrated. ``create_events`` is the new DDL."""
    temp_tables.reset(con)
    source = """(select 0 as file_idx, rowid as line_number, null::integer as record_index, 'object' as kind,
                        message as line, null::varchar as raw_text, true as valid, true as checked
                 from raw.events)"""
    envelope = ", ".join(
        f"old.{quote(key.column)}" if key.column in KEPT else f"new.{quote(key.column)}" for key in ENVELOPE
    )
    with transaction(con):
        con.execute(classify_sql(source))
        con.execute("drop view if exists raw.messages")
        con.execute("alter table raw.events rename to events_before_migration")
        con.execute(create_events)
        con.execute(f"""
            insert into raw.events
            select {envelope}, old.is_generated_message_id, old.event_at, old.event_at_source, new.extra,
                   old.load_id, old.source_file, coalesce(loads.file_sha256, ''), old.line_number, old.record_index
            from raw.events_before_migration as old
            inner join classified as new on new.line_number = old.rowid
            left join raw.loads as loads on loads.load_id = old.load_id
        """)
        migrated = con.execute("select count(*) from raw.events").fetchone()[0]
        before = con.execute("select count(*) from raw.events_before_migration").fetchone()[0]
        if migrated != before:
            raise RuntimeError(f"migration would keep {migrated} of {before} rows; nothing was changed")
        con.execute("drop table raw.events_before_migration")
    return migrated
