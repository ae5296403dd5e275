with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Rasa X Local Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Rasa X Local Started') }}
    from source

)

select * from renamed
