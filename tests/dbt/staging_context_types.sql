-- Context values are typed defensively: a value of the wrong JSON type must become NULL,
-- never a coerced value. Checks the envelope against the raw context it came from.

with stg_telemetry__events as (

    select * from {{ ref('stg_telemetry__events') }}

),

events as (

    select * from {{ source('raw', 'events') }}

),

final as (

    select
        stg_telemetry__events.message_id,
        {{ json_engine_type('events.context', '$.cpu') }} as cpu_json_type,
        stg_telemetry__events.cpu_count,
        {{ json_engine_type('events.context', '$.ci') }} as ci_json_type,
        stg_telemetry__events.is_ci
    from stg_telemetry__events
    inner join events
        on stg_telemetry__events.message_id = events.message_id
    where
        (
            stg_telemetry__events.cpu_count is not null
            and {{ json_engine_type('events.context', '$.cpu') }} not in ('BIGINT', 'UBIGINT')
        )
        or (
            stg_telemetry__events.is_ci is not null
            and {{ json_engine_type('events.context', '$.ci') }} != 'BOOLEAN'
        )

)

select * from final
