-- Rasa adds metrics_id (a string, never null) to every event: every spec event must list it so.

with telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

final as (

    select event
    from telemetry_event_properties
    group by event
    having
        count(
            case
                when property = 'metrics_id' and json_type = 'string' and not nullable then 1
            end
        ) != 1

)

select * from final
