with

stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

fct_server_starts as (

    select * from {{ ref('fct_server_starts') }}

),

fct_nlu_tests as (

    select * from {{ ref('fct_nlu_tests') }}

),

stg_telemetry__model_core_tested as (

    select * from {{ ref('stg_telemetry__model_core_tested') }}

),

stg_telemetry__project_created as (

    select * from {{ ref('stg_telemetry__project_created') }}

),

stg_telemetry__telemetry_disabled as (

    select * from {{ ref('stg_telemetry__telemetry_disabled') }}

),

events_summary as (

    select
        user_id,
        -- latest non-null value of each context field
        max_by(rasa_version, event_at) as latest_rasa_version,
        max_by(python_version, event_at) as latest_python_version,
        max_by(os_name, event_at) as latest_os_name,
        max_by(os_version, event_at) as latest_os_version,
        max_by(is_ci, event_at) as is_ci,
        max_by(is_docker, event_at) as is_docker,
        min_by(rasa_version, event_at) as first_rasa_version,
        count(*) as events,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from stg_telemetry__events
    group by user_id

),

trainings as (

    select
        user_id,
        count(*) as trainings,
        count(case when is_completed then 1 end) as trainings_completed,
        min(placed_at) as first_trained_at
    from fct_training_runs
    where not is_nested
    group by user_id

),

server_starts as (

    select
        user_id,
        count(*) as server_starts,
        min(started_at) as first_server_started_at
    from fct_server_starts
    group by user_id

),

model_tests as (

    select
        user_id,
        tested_at
    from fct_nlu_tests

    union all

    select
        user_id,
        event_at as tested_at
    from stg_telemetry__model_core_tested

),

tests as (

    select
        user_id,
        count(*) as model_tests,
        min(tested_at) as first_tested_at
    from model_tests
    group by user_id

),

projects as (

    select
        user_id,
        min(event_at) as first_project_created_at
    from stg_telemetry__project_created
    group by user_id

),

disabled as (

    select
        user_id,
        max(event_at) as telemetry_disabled_at
    from stg_telemetry__telemetry_disabled
    group by user_id

),

final as (

    select
        -- ids
        events_summary.user_id,

        -- strings
        events_summary.first_rasa_version,
        events_summary.latest_rasa_version,
        events_summary.latest_python_version,
        events_summary.latest_os_name,
        events_summary.latest_os_version,

        -- numerics
        events_summary.events,
        coalesce(trainings.trainings, 0) as trainings,
        coalesce(trainings.trainings_completed, 0) as trainings_completed,
        coalesce(tests.model_tests, 0) as model_tests,
        coalesce(server_starts.server_starts, 0) as server_starts,

        -- booleans
        events_summary.is_ci,
        events_summary.is_docker,

        -- timestamps
        events_summary.first_seen_at,
        events_summary.last_seen_at,
        projects.first_project_created_at,
        trainings.first_trained_at,
        tests.first_tested_at,
        server_starts.first_server_started_at,
        disabled.telemetry_disabled_at

    from events_summary
    left join trainings
        on events_summary.user_id = trainings.user_id
    left join server_starts
        on events_summary.user_id = server_starts.user_id
    left join tests
        on events_summary.user_id = tests.user_id
    left join projects
        on events_summary.user_id = projects.user_id
    left join disabled
        on events_summary.user_id = disabled.user_id

)

select * from final
