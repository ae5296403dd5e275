-- Each cumulative funnel step is a subset of the one before it.
with

mart_activation_funnel as (

    select * from {{ ref('mart_activation_funnel') }}

)

select * from mart_activation_funnel
where
    created_project > installations
    or trained > installations
    or tested > installations
    or started_server > installations
    or created_project_and_trained > created_project
    or created_project_and_trained > trained
    or created_project_trained_and_tested > created_project_and_trained
    or completed_funnel > created_project_trained_and_tested
