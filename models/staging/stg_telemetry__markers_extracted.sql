with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Markers Extracted'

),

renamed as (

    select
        {{ telemetry_event_columns('Markers Extracted') }}
    from source

)

select * from renamed
