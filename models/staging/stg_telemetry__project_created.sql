with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Project Created'

),

renamed as (

    select
        {{ telemetry_event_columns('Project Created') }}
    from source

)

select * from renamed
