-- An installation's first event is not after its last event, and every milestone lies between them.
with

dim_installations as (

    select * from {{ ref('dim_installations') }}

)

select * from dim_installations
where
    first_seen_at > last_seen_at
    or first_project_created_at < first_seen_at
    or first_tested_at < first_seen_at
    or first_server_started_at < first_seen_at
    or telemetry_disabled_at > last_seen_at
