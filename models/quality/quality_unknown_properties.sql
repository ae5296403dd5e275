with stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

spec_events as (

    select distinct event from telemetry_event_properties

),

-- the keys of every known event's properties object (unknown events are in quality_unknown_events)
property_keys as (

    select
        stg_telemetry__events.event,
        stg_telemetry__events.event_at,
        unnest({{ json_object_keys('stg_telemetry__events.properties') }}) as property
    from stg_telemetry__events
    inner join spec_events
        on stg_telemetry__events.event = spec_events.event
    where {{ json_engine_type('stg_telemetry__events.properties') }} = 'OBJECT'

),

unknown as (

    select
        property_keys.event,
        property_keys.property,
        count(*) as events,
        min(property_keys.event_at) as first_seen_at,
        max(property_keys.event_at) as last_seen_at
    from property_keys
    left join telemetry_event_properties
        on
            property_keys.event = telemetry_event_properties.event
            and property_keys.property = telemetry_event_properties.property
    where telemetry_event_properties.property is null
    group by property_keys.event, property_keys.property

),

final as (

    select * from unknown

)

select * from final
