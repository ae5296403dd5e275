with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Shell Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Shell Started') }}
    from source

)

select * from renamed
