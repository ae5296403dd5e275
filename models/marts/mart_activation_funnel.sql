-- Steps are counted whenever they happened (the data starts mid-life for many installations, and
-- existing projects never run `rasa init`); `completed_funnel` needs all four steps.
with

dim_installations as (

    select * from {{ ref('dim_installations') }}

),

installations as (

    select
        user_id,
        cast(date_trunc('week', first_seen_at) as date) as cohort_week,
        first_project_created_at is not null as created_project,
        first_trained_at is not null as trained,
        first_tested_at is not null as tested,
        first_server_started_at is not null as started_server
    from dim_installations

),

counted as (

    select
        cohort_week,
        count(*) as installations,
        count(case when created_project then 1 end) as created_project,
        count(case when trained then 1 end) as trained,
        count(case when tested then 1 end) as tested,
        count(case when started_server then 1 end) as started_server,
        count(case when created_project and trained then 1 end) as created_project_and_trained,
        count(
            case when created_project and trained and tested then 1 end
        ) as created_project_trained_and_tested,
        count(
            case when created_project and trained and tested and started_server then 1 end
        ) as completed_funnel
    from installations
    group by cohort_week

),

final as (

    select
        cohort_week,
        installations,
        created_project,
        trained,
        tested,
        started_server,
        created_project_and_trained,
        created_project_trained_and_tested,
        completed_funnel,
        cast(created_project as double) / installations as created_project_share,
        cast(trained as double) / installations as trained_share,
        cast(tested as double) / installations as tested_share,
        cast(started_server as double) / installations as started_server_share,
        cast(completed_funnel as double) / installations as completed_funnel_share
    from counted

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by cohort_week
