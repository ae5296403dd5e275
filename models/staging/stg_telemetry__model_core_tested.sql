with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Model Core Tested'

),

renamed as (

    select
        {{ telemetry_event_columns('Model Core Tested') }}
    from source

)

select * from renamed
