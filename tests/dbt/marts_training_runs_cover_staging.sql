-- Every training_id seen on a Training Started or Training Completed event has exactly one run.
with

stg_telemetry__training_started as (

    select * from {{ ref('stg_telemetry__training_started') }}

),

stg_telemetry__training_completed as (

    select * from {{ ref('stg_telemetry__training_completed') }}

),

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

seen as (

    select training_id from stg_telemetry__training_started
    where training_id is not null

    union

    select training_id from stg_telemetry__training_completed
    where training_id is not null

),

missing as (

    select seen.training_id
    from seen
    left join fct_training_runs
        on seen.training_id = fct_training_runs.training_id
    where fct_training_runs.training_id is null

)

select * from missing
