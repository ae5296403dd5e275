-- One row per file load attempt (raw.loads), with the Segment archive day of the file.
with source as (

    select * from {{ source('raw', 'loads') }}

),

renamed as (

    select
        -- ids
        load_id,
        run_id,
        file_sha256,

        -- strings
        source_file,
        status,
        error,

        -- numerics
        bytes,
        lines,
        records,
        accepted,
        duplicates,
        rejected,

        -- booleans
        status = 'failed' as is_failed,

        -- dates
        coalesce({{ report_archive_date('source_file') }}, cast(started_at as date)) as archive_date,
        case
            when {{ report_archive_date('source_file') }} is not null then 'archive_path'
            else 'load_start'
        end as archive_date_source,

        -- timestamps
        started_at,
        finished_at

    from source

)

select * from renamed
