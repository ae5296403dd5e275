-- One row per quarantined record (raw.rejected_events), without its raw text.
with source as (

    select * from {{ source('raw', 'rejected_events') }}

),

renamed as (

    select
        -- ids
        load_id,
        file_sha256,

        -- strings
        source_file,
        reason,
        detail,

        -- numerics
        line_number,
        record_index,

        -- dates
        {{ report_archive_date('source_file') }} as archive_date

    from source

)

select * from renamed
