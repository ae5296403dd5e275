-- Top-level runs only (is_nested = false): a `rasa train` counts once, as model_type 'rasa';
-- 'nlu' / 'core' rows are standalone `rasa train nlu|core` runs, never the parts of a `rasa train`.
with

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

top_level_runs as (

    select * from fct_training_runs
    where not is_nested

),

aggregated as (

    select
        training_date,
        model_type,
        rasa_version,
        count(started_at) as runs_started,
        count(case when is_completed then 1 end) as runs_completed,
        count(case when is_completed and started_at is not null then 1 end) as started_runs_completed,
        {{ marts_percentile('runtime_seconds', 0.5) }} as runtime_p50_seconds,
        {{ marts_percentile('runtime_seconds', 0.9) }} as runtime_p90_seconds,
        round(avg(runtime_seconds), 2) as runtime_mean_seconds,
        max(runtime_seconds) as runtime_max_seconds
    from top_level_runs
    group by training_date, model_type, rasa_version

),

final as (

    select
        training_date,
        model_type,
        rasa_version,
        runs_started,
        runs_completed,
        case
            when runs_started > 0 then round(cast(started_runs_completed as double) / runs_started, 4)
        end as completion_rate,
        runtime_p50_seconds,
        runtime_p90_seconds,
        runtime_mean_seconds,
        runtime_max_seconds
    from aggregated

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by training_date, model_type, rasa_version
