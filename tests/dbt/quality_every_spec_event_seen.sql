-- Spec events never seen in the data (retired or not yet released). Warns only.
{{ config(severity='warn') }}

with telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

seen_events as (

    select distinct event from stg_telemetry__events

),

final as (

    select distinct telemetry_event_properties.event
    from telemetry_event_properties
    left join seen_events
        on telemetry_event_properties.event = seen_events.event
    where seen_events.event is null

)

select * from final
