-- One row, also on an empty warehouse. "Active in the last N days" is counted back from the newest
-- event in the warehouse (period_end), not from today, so a rebuilt report reads the same.
with

dim_installations as (

    select * from {{ ref('dim_installations') }}

),

stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

period as (

    select
        min(first_seen_at) as period_start,
        max(last_seen_at) as period_end,
        {{ marts_add_seconds('max(last_seen_at)', -7 * 86400) }} as active_7_days_after,
        {{ marts_add_seconds('max(last_seen_at)', -30 * 86400) }} as active_30_days_after
    from dim_installations

),

totals as (

    select
        count(*) as installations,
        count(
            case when dim_installations.last_seen_at > period.active_7_days_after then 1 end
        ) as active_last_7_days,
        count(
            case when dim_installations.last_seen_at > period.active_30_days_after then 1 end
        ) as active_last_30_days,
        cast(coalesce(sum(dim_installations.events), 0) as bigint) as events,
        cast(coalesce(sum(dim_installations.trainings), 0) as bigint) as trainings,
        cast(coalesce(sum(dim_installations.trainings_completed), 0) as bigint) as trainings_completed,
        cast(coalesce(sum(dim_installations.model_tests), 0) as bigint) as model_tests,
        cast(coalesce(sum(dim_installations.server_starts), 0) as bigint) as server_starts
    from dim_installations
    cross join period

),

versions as (

    select distinct rasa_version
    from stg_telemetry__events
    where {{ report_version_part('rasa_version', 2) }} is not null

),

newest_version as (

    select rasa_version
    from versions
    order by
        {{ report_version_part('rasa_version', 1) }} desc,
        {{ report_version_part('rasa_version', 2) }} desc,
        coalesce({{ report_version_part('rasa_version', 3) }}, 0) desc,
        -- a final release before its pre-releases ('3.0.0' before '3.0.0rc1')
        length(rasa_version) asc,
        rasa_version desc
    limit 1

),

final as (

    select
        period.period_start,
        period.period_end,
        totals.installations,
        totals.active_last_7_days,
        totals.active_last_30_days,
        totals.events,
        totals.trainings,
        totals.trainings_completed,
        totals.model_tests,
        totals.server_starts,
        (select newest_version.rasa_version from newest_version) as newest_rasa_version
    from period
    cross join totals

)

select * from final
