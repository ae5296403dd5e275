with

stg_loader__loads as (

    select * from {{ ref('stg_loader__loads') }}

),

failed as (

    select * from stg_loader__loads
    where is_failed

),

last_loaded as (

    select
        source_file,
        max(load_id) as last_loaded_load_id
    from stg_loader__loads
    where not is_failed
    group by source_file

),

final as (

    select
        -- ids
        failed.load_id,

        -- strings
        failed.source_file,
        failed.error,

        -- booleans
        coalesce(last_loaded.last_loaded_load_id > failed.load_id, false) as is_loaded_later,

        -- dates
        failed.archive_date,

        -- timestamps
        failed.started_at

    from failed
    left join last_loaded
        on failed.source_file = last_loaded.source_file

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by started_at desc, load_id desc
