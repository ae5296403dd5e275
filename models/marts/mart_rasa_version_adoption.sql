-- An installation that ran two minor versions in a week counts once under each of them.
with

stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

versioned_events as (

    select
        user_id,
        cast(date_trunc('week', event_at) as date) as activity_week,
        coalesce({{ marts_minor_version('rasa_version') }}, 'unknown') as rasa_minor_version
    from stg_telemetry__events

),

per_version as (

    select
        activity_week,
        rasa_minor_version,
        count(distinct user_id) as active_installations,
        count(*) as events
    from versioned_events
    group by activity_week, rasa_minor_version

),

per_week as (

    select
        activity_week,
        count(distinct user_id) as week_installations
    from versioned_events
    group by activity_week

),

final as (

    select
        per_version.activity_week,
        per_version.rasa_minor_version,
        per_version.active_installations,
        per_version.events,
        per_week.week_installations,
        cast(per_version.active_installations as double)
        / per_week.week_installations as installation_share
    from per_version
    inner join per_week
        on per_version.activity_week = per_week.activity_week

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by activity_week, rasa_minor_version
