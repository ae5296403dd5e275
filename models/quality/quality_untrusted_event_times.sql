-- One row per landed message whose sent `timestamp` or `receivedAt` the loader did not believe (before
-- 2015-01-01, more than a day after its load, or not a time at all), so its event_at came from a later
-- source (loaders/land.py; README "Event time").
with raw_events as (

    select * from {{ source('raw', 'events') }}

),

untrusted as (

    select
        message_id,
        user_id,
        event,
        event_at_source,
        load_id,
        {{ json_text('extra', '$.timestamp') }} as sent_timestamp_text,
        {{ json_text('extra', '$.receivedAt') }} as sent_received_at_text,
        timestamp as sent_timestamp,
        received_at,
        event_at
    from raw_events
    where
        (
            event_at_source <> 'timestamp'
            and (timestamp is not null or {{ json_text('extra', '$.timestamp') }} is not null)
        )
        or (
            event_at_source = 'load_default'
            and (received_at is not null or {{ json_text('extra', '$.receivedAt') }} is not null)
        )

),

final as (

    select * from untrusted

)

select * from final
