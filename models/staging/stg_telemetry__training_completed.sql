with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Training Completed'

),

renamed as (

    select
        {{ telemetry_event_columns('Training Completed') }}
    from source

)

select * from renamed
