with source as (

    select * from {{ ref('stg_telemetry__events') }}
    where event = 'Story Visualization Started'

),

renamed as (

    select
        {{ telemetry_event_columns('Story Visualization Started') }}
    from source

)

select * from renamed
