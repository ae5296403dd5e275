-- One row per (event, property) sent in the properties of a spec event that the spec does not list for
-- it. Staging records the unknown keys when it parses `properties` (`unknown_properties`); this model
-- counts them. A table rebuilt each time: it reads one column that is NULL for almost every row.

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
            event,
            event_at,
            unknown_properties
        from {{ event_model }}
        where unknown_properties is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

property_keys as (

    select
        event,
        event_at,
        {{ list_explode('unknown_properties') }} as property
    from typed_events

),

final as (

    select
        event,
        property,
        count(*) as events,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from property_keys
    group by event, property

)

select * from final
