with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Training Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Training Started') }}
    from source

)

select * from renamed
