with stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

spec_events as (

    select distinct event from telemetry_event_properties

),

unknown as (

    select
        stg_telemetry__events.event,
        count(*) as events,
        count(distinct stg_telemetry__events.user_id) as installations,
        min(stg_telemetry__events.event_at) as first_seen_at,
        max(stg_telemetry__events.event_at) as last_seen_at
    from stg_telemetry__events
    left join spec_events
        on stg_telemetry__events.event = spec_events.event
    where spec_events.event is null
    group by stg_telemetry__events.event

),

final as (

    select * from unknown

)

select * from final
