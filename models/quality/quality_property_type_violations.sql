-- One row per (message, property) whose value staging could not type per the spec. Staging records
-- each violation when it types the value (`property_type_violations` of every stg_telemetry__<event_slug>),
-- so this model only reads those lists: nothing is parsed or typed again.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#- BEGIN GENERATED event_models (python -m common generate, from seeds/telemetry_event_properties.csv) #}
{%- set event_models = [
    ref('stg_telemetry__training_started'),
    ref('stg_telemetry__training_completed'),
    ref('stg_telemetry__model_core_tested'),
    ref('stg_telemetry__model_nlu_tested'),
    ref('stg_telemetry__interactive_learning_started'),
    ref('stg_telemetry__server_started'),
    ref('stg_telemetry__shell_started'),
    ref('stg_telemetry__rasa_x_local_started'),
    ref('stg_telemetry__training_data_split'),
    ref('stg_telemetry__training_data_validated'),
    ref('stg_telemetry__training_data_converted'),
    ref('stg_telemetry__tracker_exported'),
    ref('stg_telemetry__story_visualization_started'),
    ref('stg_telemetry__telemetry_disabled'),
    ref('stg_telemetry__project_created'),
    ref('stg_telemetry__markers_extraction_initiated'),
    ref('stg_telemetry__markers_parsed'),
    ref('stg_telemetry__markers_extracted'),
    ref('stg_telemetry__markers_statistics_computed'),
] -%}
{#- END GENERATED event_models #}

with typed_events as (

    {% for event_model in event_models %}
        select
            message_id,
            event,
            rasa_version,
            load_id,
            event_at,
            property_type_violations
        from {{ event_model }}
        where
            property_type_violations is not null
            {% if is_incremental() %}
                and {{ is_new_load() }}
            {% endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

violations as (

    select
        message_id,
        event,
        rasa_version,
        load_id,
        event_at,
        {{ list_explode('property_type_violations') }} as violation
    from typed_events

),

final as (

    select
        {{ surrogate_key(['message_id', "violation['property']"]) }} as violation_id,
        message_id,
        event,
        violation['property'] as property,
        violation['expected_type'] as expected_type,
        coalesce({{ json_type_label(as_json("violation['raw_value']")) }}, 'missing') as actual_json_type,
        violation['raw_value'] as raw_value,
        rasa_version,
        violation['is_nullable'] as is_nullable,
        load_id,
        event_at
    from violations

)

select * from final
