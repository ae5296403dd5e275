with

stg_telemetry__server_started as (

    select * from {{ ref('stg_telemetry__server_started') }}

),

final as (

    select
        -- ids
        message_id,
        user_id,
        project,
        project_fingerprint,

        -- strings
        rasa_version,
        input_channels,
        endpoints_nlg,
        endpoints_nlu,
        endpoints_action_server,
        endpoints_model_server,
        endpoints_tracker_store,
        endpoints_lock_store,
        endpoints_event_broker,

        -- numerics
        number_of_workers,

        -- booleans
        api_enabled,
        is_ci,
        is_docker,

        -- timestamps
        event_at as started_at,
        cast(date_trunc('month', event_at) as date) as start_month

    from stg_telemetry__server_started

)

select * from final
