-- The day is the Segment archive day of the file (from its path), else the day it was loaded.
with

stg_loader__rejected_events as (

    select * from {{ ref('stg_loader__rejected_events') }}

),

stg_loader__loads as (

    select * from {{ ref('stg_loader__loads') }}

),

rejects as (

    select
        stg_loader__rejected_events.reason,
        stg_loader__rejected_events.source_file,
        coalesce(stg_loader__rejected_events.archive_date, stg_loader__loads.archive_date) as archive_date
    from stg_loader__rejected_events
    left join stg_loader__loads
        on stg_loader__rejected_events.load_id = stg_loader__loads.load_id

),

final as (

    select
        archive_date,
        reason,
        count(*) as rejected_records,
        count(distinct source_file) as files
    from rejects
    group by archive_date, reason

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by archive_date, reason
