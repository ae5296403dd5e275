with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Server Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Server Started') }}
    from source

)

select * from renamed
