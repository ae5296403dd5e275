-- One row per event, never changed by a later load: new loads are appended.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

stg_telemetry__model_nlu_tested as (

    select * from {{ ref('stg_telemetry__model_nlu_tested') }}
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

        -- strings
        rasa_version,

        -- numerics
        num_intent_examples,
        num_entity_examples,
        num_lookup_tables,
        num_synonyms,
        num_regexes,

        -- booleans
        is_ci,
        is_docker,

        -- timestamps
        event_at as tested_at,
        cast(event_at as date) as test_date

    from stg_telemetry__model_nlu_tested

)

select * from final
