with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Interactive Learning Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Interactive Learning Started') }}
    from source

)

select * from renamed
