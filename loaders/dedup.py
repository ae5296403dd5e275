"""The dedup stage: which accepted records of a chunk are duplicates (``losers``, loaders.temp_tables).

Dedup is on the final message id across all loads. First received wins: within a chunk, the copy with the
earliest ``receivedAt`` (then file, line and record order); a message already in the warehouse is never
replaced (raw is append-only), so every chunk copy of it loses.
"""

from __future__ import annotations

import duckdb

# Records with their physical line number and final message id (a generated one for bare payloads), and
# the chunk's rejects (SQL's and Python's) that are not quarantined yet.
VIEWS = """
create or replace temp view accepted as
select
    classified.*,
    classified.line_number - line_offsets.line_offset as physical_line,
    case when classified.message_id is not null then classified.message_id else
        'gen-' || left(sha256(chunk_meta.file_sha256 || ':' || (classified.line_number - line_offsets.line_offset)
                              || ':' || coalesce(classified.record_index, -1)), 40)
    end as final_id,
    classified.message_id is null as is_generated_message_id,
    chunk_meta.source_file,
    chunk_meta.file_sha256,
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
select pre_rejects.file_idx, pre_rejects.line_number - line_offsets.line_offset, pre_rejects.record_index,
       pre_rejects.reason, pre_rejects.detail, pre_rejects.raw_line, pre_rejects.raw_bytes
from pre_rejects
inner join line_offsets using (file_idx);

create or replace temp view new_rejects as
select all_rejects.*, chunk_meta.source_file, chunk_meta.file_sha256
from all_rejects
inner join chunk_meta using (file_idx)
anti join raw.rejected_events as known
    on known.file_sha256 = chunk_meta.file_sha256
   and known.line_number = all_rejects.physical_line
   and known.record_index is not distinct from all_rejects.record_index;
"""

LOSERS = """
insert into losers
with chunk_ids as (
    select final_id, count(*) as copies from accepted group by 1
),

existing_ids as (
    select raw.events.message_id as final_id
    from raw.events
    semi join chunk_ids on chunk_ids.final_id = raw.events.message_id
),

copies as (
    select
        accepted.file_idx, accepted.line_number, accepted.record_index, accepted.final_id,
        row_number() over (
            partition by accepted.final_id
            order by accepted.received_at nulls last, accepted.file_idx, accepted.line_number,
                     accepted.record_index nulls first
        ) as copy_number
    from accepted
    where accepted.final_id in (
        select final_id from chunk_ids where copies > 1
        union all
        select final_id from existing_ids
    )
)

select file_idx, line_number, record_index
from copies
where copy_number > 1 or final_id in (select final_id from existing_ids)
"""

#: Per file: physical lines and records seen (accepted, duplicate or rejected).
COUNTS = """
select file_idx, count(distinct physical_line) as lines, count(*) as records
from (
    select file_idx, physical_line from accepted
    union all
    select file_idx, physical_line from all_rejects
)
group by 1
"""


def find_losers(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, int]]:
    """Fill ``losers``; returns each file's (lines, records)."""
    con.execute(VIEWS)
    con.execute(LOSERS)
    return {idx: (lines, records) for idx, lines, records in con.execute(COUNTS).fetchall()}
