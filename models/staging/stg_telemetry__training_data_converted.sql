with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Training Data Converted'

),

renamed as (

    select
        {{ telemetry_event_columns('Training Data Converted') }}
    from source

)

select * from renamed
