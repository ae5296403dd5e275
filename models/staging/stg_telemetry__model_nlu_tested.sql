with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Model NLU Tested'

),

renamed as (

    select
        {{ telemetry_event_columns('Model NLU Tested') }}
    from source

)

select * from renamed
