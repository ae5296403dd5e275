with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Training Data Split'

),

renamed as (

    select
        {{ telemetry_event_columns('Training Data Split') }}
    from source

)

select * from renamed
