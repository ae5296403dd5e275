"""Classify lines into accepted records and rejects, in one DuckDB pass per source.

``classified`` holds one row per record: envelope fields for accepted ones, ``reason``/``detail`` for the
rest. Each line is parsed once (``from_json``) and the envelope fields are read as text, so a number sent
as ``event`` or ``userId`` is accepted as its text (dbt and GX report it) while a missing, null or empty
one is rejected. The line itself is kept as ``JSON`` without a re-cast.
"""

from __future__ import annotations

ENVELOPE = (
    '{"messageId":"VARCHAR","event":"VARCHAR","userId":"VARCHAR","timestamp":"VARCHAR",'
    '"receivedAt":"VARCHAR","type":"VARCHAR","properties":"JSON","context":"JSON"}'
)

CLASSIFIED_DDL = """
create or replace temp table classified (
    file_idx integer, line_number bigint, record_index integer,
    message_id varchar, event varchar, user_id varchar, sent_timestamp timestamp, received_at timestamp,
    message_type varchar, message json, properties json, context json,
    reason varchar, detail varchar, raw_line varchar, line_bytes bigint
);
"""


def _utc(expr: str) -> str:
    """ISO-8601 text to a UTC TIMESTAMP; NULL when it does not parse. ``Z`` is the common, fast case."""
    return (
        f"case when {expr} is null then null when ends_with({expr}, 'Z') then try_cast({expr} as timestamp) "
        f"else timezone('UTC', try_cast({expr} as timestamptz)) end"
    )


def _why(field: str, name: str) -> str:
    """Why an envelope field is unusable; NULL when it is a non-empty value (a number counts as text)."""
    return f"""case
        when {field} is null then 'no "{name}" (missing or null)'
        when trim({field}) = '' then '"{name}" is an empty string'
    end"""


def _json_field(name: str) -> str:
    """An accepted message's ``properties``/``context`` as stored JSON: ``from_json`` returns SQL NULL both
    when the key is absent and when it is JSON ``null``; keep the JSON ``null`` (the line is read again only
    for the rare rows where the field is NULL)."""
    return f"""case
            when reason is not null then null
            when env.{name} is not null then env.{name}
            when json_type(line, '$."{name}"') = 'NULL' then 'null'::json
        end"""


def classify_sql(source: str) -> str:
    """INSERT INTO classified from ``source`` (file_idx, [line_number,] record_index, kind, line, valid).

    Everything is computed in one pass over the source, in parallel.
    """
    return f"""
insert into classified
select
    file_idx, line_number, record_index, message_id, event, user_id, sent_timestamp, received_at,
    message_type, message, properties, context, reason, detail, raw_line, line_bytes
from (
    select
        *,
        nullif(trim(env.messageId), '') as message_id,
        env.event as event,
        env.userId as user_id,
        {_utc("env.timestamp")} as sent_timestamp,
        {_utc("env.receivedAt")} as received_at,
        env.type as message_type,
        {_json_field("properties")} as properties,
        {_json_field("context")} as context,
        case when reason is not null then null
             when contains(line, '"writeKey"') then json_merge_patch(line, '{{"writeKey":null}}')
             else line end as message,
        case reason
            when 'invalid_json' then 'not valid JSON'
            when 'not_an_object' then 'a JSON ' || lower(coalesce(json_type(line), 'value')) || ', not an object'
            when 'missing_event' then event_problem || coalesce(' (message type ' || env.type || ')', '')
            when 'missing_user_id' then user_problem
        end as detail,
        case when reason is not null then line::varchar end as raw_line,
        strlen(line::varchar) as line_bytes
    from (
        select
            *,
            case
                when not valid then 'invalid_json'
                when kind <> 'object' then 'not_an_object'
                when event_problem is not null then 'missing_event'
                when user_problem is not null then 'missing_user_id'
            end as reason
        from (
            select *, {_why("env.event", "event")} as event_problem, {_why("env.userId", "userId")} as user_problem
            from (
                select *, case when valid and kind = 'object' then from_json(line, '{ENVELOPE}') end as env
                from {source}
            )
        )
    )
)
"""


# Line numbers are set after the scan from the row order of ``classified`` (loaders.stage.read_fast): DuckDB
# keeps a scan's order when it inserts (preserve_insertion_order), in parallel. ``with ordinality`` or
# row_number() over () would number the rows in the scan, but both serialise it (2x slower at 1M lines).
FAST_SOURCE = """(
    select $idx[file_index::bigint + 1] as file_idx, null::bigint as line_number,
           null::integer as record_index,
           case left(json::varchar, 1) when '{' then 'object' when '[' then 'array' else 'scalar' end as kind,
           json as line, json is not null as valid
    from read_json_objects($paths, format = 'newline_delimited', ignore_errors = true)
)"""

SLOW_SOURCE = """(
    select file_idx, line_number, record_index, kind,
           case when checked or json_valid(line) then line::json end as line,
           checked or json_valid(line) as valid
    from stage
)"""

# Records with their physical line number and final message id (a generated one for bare payloads).
VIEWS = """
create or replace temp view accepted as
select
    classified.*,
    classified.line_number - line_offsets.line_offset as physical_line,
    coalesce(
        classified.message_id,
        'gen-' || left(sha256(chunk_meta.file_sha256 || ':' || (classified.line_number - line_offsets.line_offset)
                              || ':' || coalesce(classified.record_index, -1)), 40)
    ) as final_id,
    classified.message_id is null as is_generated_message_id,
    chunk_meta.source_file,
    chunk_meta.default_received_at
from classified
inner join line_offsets using (file_idx)
inner join chunk_meta using (file_idx)
where classified.reason is null;

create or replace temp view all_rejects as
select classified.file_idx, classified.line_number - line_offsets.line_offset as physical_line,
       classified.record_index, classified.reason, classified.detail, classified.raw_line,
       null::blob as raw_bytes
from classified
inner join line_offsets using (file_idx)
where classified.reason is not null
union all
select * from pre_rejects;

create or replace temp view new_rejects as
select all_rejects.*, chunk_meta.source_file, chunk_meta.file_sha256
from all_rejects
inner join chunk_meta using (file_idx)
anti join raw.rejected_events as known
    on known.file_sha256 = chunk_meta.file_sha256
   and known.line_number = all_rejects.physical_line
   and known.record_index is not distinct from all_rejects.record_index;
"""

# First received wins: earliest receivedAt, then file and line order. A message already in the warehouse
# is never replaced (raw is append-only), so every chunk copy of it loses.
LOSERS = """
create or replace temp table chunk_ids as
select final_id, count(*) as copies from accepted group by 1;

create or replace temp table existing_ids as
select raw.events.message_id as final_id
from raw.events
semi join chunk_ids on chunk_ids.final_id = raw.events.message_id;

create or replace temp table losers as
select file_idx, line_number, record_index
from (
    select accepted.*,
        row_number() over (
            partition by final_id
            order by received_at nulls last, file_idx, line_number, record_index nulls first
        ) as copy_number
    from accepted
    where final_id in (
        select final_id from chunk_ids where copies > 1
        union all
        select final_id from existing_ids
    )
)
where copy_number > 1 or final_id in (select final_id from existing_ids);
"""

COUNTS = """
select file_idx, count(distinct physical_line) as lines, count(*) as records
from (
    select file_idx, physical_line from accepted
    union all
    select file_idx, physical_line from all_rejects
)
group by 1
"""

# One statement per chunk; chunk_loads maps each file of the chunk to its load_id.
INSERT_EVENTS = """
insert into raw.events (
    message_id, event, user_id, event_at, event_at_source, received_at, message_type, message, properties,
    context, is_generated_message_id, load_id, source_file, line_number, record_index
)
select
    final_id, event, user_id,
    coalesce(sent_timestamp, received_at, default_received_at),
    case when sent_timestamp is not null then 'timestamp'
         when received_at is not null then 'received_at'
         else 'load_default' end,
    received_at, message_type, message, properties, context, is_generated_message_id,
    chunk_loads.load_id, source_file, physical_line, record_index
from accepted
inner join chunk_loads using (file_idx)
anti join losers
    on losers.file_idx = accepted.file_idx
   and losers.line_number = accepted.line_number
   and losers.record_index is not distinct from accepted.record_index
"""

INSERT_REJECTS = """
insert into raw.rejected_events
select chunk_loads.load_id, source_file, file_sha256, physical_line, record_index, reason, detail, raw_line,
       raw_bytes
from new_rejects
inner join chunk_loads using (file_idx)
"""

PER_LOAD_COUNTS = """
select chunk_loads.file_idx, chunk_loads.load_id, coalesce(events.n, 0), coalesce(rejects.n, 0)
from chunk_loads
left join (
    select load_id, count(*) as n from raw.events where load_id between $low and $high group by 1
) as events using (load_id)
left join (
    select load_id, count(*) as n from raw.rejected_events where load_id between $low and $high group by 1
) as rejects using (load_id)
"""
