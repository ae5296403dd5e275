with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Markers Parsed'

),

renamed as (

    select
        {{ telemetry_event_columns('Markers Parsed') }}
    from source

)

select * from renamed
