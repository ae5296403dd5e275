with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Tracker Exported'

),

renamed as (

    select
        {{ telemetry_event_columns('Tracker Exported') }}
    from source

)

select * from renamed
