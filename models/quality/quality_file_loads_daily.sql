-- The day is the Segment archive day of the file (from its path), else the day it was loaded.
with

stg_loader__loads as (

    select * from {{ ref('stg_loader__loads') }}

),

final as (

    select
        archive_date,
        status,
        count(*) as file_loads,
        count(distinct source_file) as files,
        cast(sum(records) as bigint) as records,
        cast(sum(accepted) as bigint) as accepted,
        cast(sum(duplicates) as bigint) as duplicates,
        cast(sum(rejected) as bigint) as rejected,
        cast(sum(bytes) as bigint) as bytes
    from stg_loader__loads
    group by archive_date, status

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by archive_date, status
