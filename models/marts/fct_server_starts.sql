-- One row per event, never changed by a later load: new loads are appended.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

stg_telemetry__server_started as (

    select * from {{ ref('stg_telemetry__server_started') }}
    {% if is_incremental() %}
        where {{ is_new_load() }}
    {% endif %}

),

final as (

    select
        -- ids
        message_id,
        user_id,
        load_id,
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
