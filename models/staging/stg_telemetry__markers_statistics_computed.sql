with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Markers Statistics Computed'

),

renamed as (

    select
        {{ telemetry_event_columns('Markers Statistics Computed') }}
    from source

)

select * from renamed
