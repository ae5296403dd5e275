{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='violation_id',
        on_schema_change='fail',
    )
}}

with stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}
    {% if is_incremental() %}
        -- loads after the newest one with a violation; re-checking a clean load is idempotent
        where load_id > (select coalesce(max(loaded_events.load_id), 0) from {{ this }} as loaded_events)
    {% endif %}

),

telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

-- one row per (message, property) of a spec event whose properties are an object
property_values as (

    select
        stg_telemetry__events.message_id,
        stg_telemetry__events.event,
        stg_telemetry__events.rasa_version,
        stg_telemetry__events.load_id,
        stg_telemetry__events.event_at,
        property_entries.key as property,
        property_entries.value as property_value,
        property_entries.type as engine_type
    from stg_telemetry__events
    cross join {{ json_entries('stg_telemetry__events.properties') }} as property_entries
    where {{ json_engine_type('stg_telemetry__events.properties') }} = 'OBJECT'

),

-- spec properties whose value breaks the spec (unknown properties are not joined)
mistyped_properties as (

    select
        property_values.message_id,
        property_values.event,
        property_values.rasa_version,
        property_values.load_id,
        property_values.event_at,
        property_values.property,
        property_values.property_value,
        telemetry_event_properties.json_type as expected_type,
        telemetry_event_properties.nullable as is_nullable
    from property_values
    inner join telemetry_event_properties
        on
            property_values.event = telemetry_event_properties.event
            and property_values.property = telemetry_event_properties.property
    where not (
        {{ json_matches_spec(
            'property_values.engine_type',
            'property_values.property_value',
            json_type_expr='telemetry_event_properties.json_type',
        ) }}
        or (telemetry_event_properties.nullable and property_values.engine_type = 'NULL')
    )

),

-- a spec event whose properties are not an object at all: one row for the root, property '$'
malformed_properties as (

    select
        stg_telemetry__events.message_id,
        stg_telemetry__events.event,
        stg_telemetry__events.rasa_version,
        stg_telemetry__events.load_id,
        stg_telemetry__events.event_at,
        '$' as property,
        stg_telemetry__events.properties as property_value,
        'object' as expected_type,
        false as is_nullable
    from stg_telemetry__events
    where
        stg_telemetry__events.event in (select telemetry_event_properties.event from telemetry_event_properties)
        and {{ json_engine_type('stg_telemetry__events.properties') }} is distinct from 'OBJECT'

),

violations as (

    select * from mistyped_properties
    union all
    select * from malformed_properties

),

final as (

    select
        {{ surrogate_key(['message_id', 'property']) }} as violation_id,
        message_id,
        event,
        property,
        expected_type,
        coalesce({{ json_type_label('property_value') }}, 'missing') as actual_json_type,
        cast(property_value as varchar) as raw_value,
        rasa_version,
        is_nullable,
        load_id,
        event_at
    from violations

)

select * from final
