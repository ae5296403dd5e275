-- mart_training_runtimes counts top-level runs only: its totals equal the top-level runs in
-- fct_training_runs, so no nested run is counted as a training of its own.
with

mart_training_runtimes as (

    select * from {{ ref('mart_training_runtimes') }}

),

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

mart_totals as (

    select
        coalesce(sum(runs_started), 0) as runs_started,
        coalesce(sum(runs_completed), 0) as runs_completed
    from mart_training_runtimes

),

fact_totals as (

    select
        count(case when not is_nested and started_at is not null then 1 end) as runs_started,
        count(case when not is_nested and is_completed then 1 end) as runs_completed
    from fct_training_runs

),

compared as (

    select
        mart_totals.runs_started as mart_runs_started,
        fact_totals.runs_started as fact_runs_started,
        mart_totals.runs_completed as mart_runs_completed,
        fact_totals.runs_completed as fact_runs_completed
    from mart_totals
    cross join fact_totals

)

select * from compared
where
    mart_runs_started <> fact_runs_started
    or mart_runs_completed <> fact_runs_completed
