with stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

spec_events as (

    select distinct event from telemetry_event_properties

),

unknown_event_rows as (

    select
        stg_telemetry__events.event,
        stg_telemetry__events.user_id,
        stg_telemetry__events.event_at
    from stg_telemetry__events
    left join spec_events
        on stg_telemetry__events.event = spec_events.event
    where spec_events.event is null

),

final as (

    select
        event,
        count(*) as events,
        count(distinct user_id) as installations,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from unknown_event_rows
    group by event

)

select * from final
