-- Percentiles are taken over the runs of the week, never over daily percentiles.
with

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

runs as (

    select
        cast(date_trunc('week', placed_at) as date) as training_week,
        case when is_nested then 'nested' else 'top_level' end as run_level,
        model_type,
        user_id,
        started_at,
        is_completed,
        runtime_seconds
    from fct_training_runs

),

aggregated as (

    select
        training_week,
        run_level,
        model_type,
        count(started_at) as runs_started,
        count(case when is_completed then 1 end) as runs_completed,
        count(case when is_completed and started_at is not null then 1 end) as started_runs_completed,
        count(runtime_seconds) as runs_with_runtime,
        {{ marts_percentile('runtime_seconds', 0.5) }} as runtime_p50_seconds,
        {{ marts_percentile('runtime_seconds', 0.9) }} as runtime_p90_seconds,
        max(runtime_seconds) as runtime_max_seconds,
        count(distinct user_id) as installations
    from runs
    group by training_week, run_level, model_type

),

final as (

    select
        training_week,
        run_level,
        model_type,
        runs_started,
        runs_completed,
        case
            when runs_started > 0 then round(cast(started_runs_completed as double) / runs_started, 4)
        end as completion_rate,
        runs_with_runtime,
        runtime_p50_seconds,
        runtime_p90_seconds,
        runtime_max_seconds,
        installations
    from aggregated

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by training_week, run_level, model_type
