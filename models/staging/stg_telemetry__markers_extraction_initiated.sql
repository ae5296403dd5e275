with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Markers Extraction Initiated'

),

renamed as (

    select
        {{ telemetry_event_columns('Markers Extraction Initiated') }}
    from source

)

select * from renamed
