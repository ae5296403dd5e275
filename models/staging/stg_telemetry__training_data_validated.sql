with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Training Data Validated'

),

renamed as (

    select
        {{ telemetry_event_columns('Training Data Validated') }}
    from source

)

select * from renamed
