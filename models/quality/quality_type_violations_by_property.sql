with

quality_property_type_violations as (

    select * from {{ ref('quality_property_type_violations') }}

),

final as (

    select
        event,
        property,
        expected_type,
        actual_json_type,
        count(*) as violations,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from quality_property_type_violations
    group by event, property, expected_type, actual_json_type

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by violations desc, event asc, property asc, actual_json_type asc
