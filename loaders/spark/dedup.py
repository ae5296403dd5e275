"""The dedup stage on Spark: which accepted records of a chunk land (loaders.dedup's rules, in Spark SQL).

Dedup is on the final message id across all loads: within a chunk the copy with the earliest ``receivedAt``
wins (then file, line and record order); a message already in ``raw.events`` is never replaced, so every chunk
copy of it loses. Temp views read: ``classified``, ``pre_rejects``, ``chunk_meta`` (loaders.spark.load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

VIEWS = [
    """
create or replace temp view accepted as
select classified.*,
       coalesce(classified.message_id, 'gen-' || left(sha2(chunk_meta.file_sha256 || ':' || classified.line_number
                || ':' || coalesce(classified.record_index, -1), 256), 40)) as final_id,
       classified.message_id is null as is_generated_message_id,
       chunk_meta.source_file, chunk_meta.file_sha256, chunk_meta.default_received_at
from classified
inner join chunk_meta using (file_idx)
where classified.reason is null
""",
    """
create or replace temp view all_rejects as
select file_idx, line_number, record_index, reason, detail, raw_line, cast(null as binary) as raw_bytes
from classified
where reason is not null
union all
select file_idx, line_number, record_index, reason, detail, raw_line, raw_bytes
from pre_rejects
""",
    """
create or replace temp view new_rejects as
select all_rejects.*, chunk_meta.source_file, chunk_meta.file_sha256
from all_rejects
inner join chunk_meta using (file_idx)
left anti join raw.rejected_events as known
    on known.file_sha256 = chunk_meta.file_sha256
   and known.line_number = all_rejects.line_number
   and known.record_index <=> all_rejects.record_index
""",
    """
create or replace temp view winners as
select *
from (
    select accepted.*,
           row_number() over (
               partition by final_id
               order by received_at asc nulls last, file_idx, line_number, record_index asc nulls first
           ) as copy_number
    from accepted
) as copies
left anti join (select distinct message_id from raw.events) as existing on existing.message_id = copies.final_id
where copy_number = 1
""",
]

#: Per file: physical lines and records seen (accepted, duplicate or rejected).
COUNTS = """
select file_idx, count(distinct line_number) as lines, count(*) as records
from (
    select file_idx, line_number from accepted
    union all
    select file_idx, line_number from all_rejects
)
group by file_idx
"""


def find_winners(spark: SparkSession) -> dict[int, tuple[int, int]]:
    """Create the ``accepted``, ``new_rejects`` and ``winners`` views; returns each file's (lines, records)."""
    for view in VIEWS:
        spark.sql(view)
    return {row.file_idx: (row.lines, row.records) for row in spark.sql(COUNTS).collect()}
