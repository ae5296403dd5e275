with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Telemetry Disabled'

),

renamed as (

    select
        {{ telemetry_event_columns('Telemetry Disabled') }}
    from source

)

select * from renamed
