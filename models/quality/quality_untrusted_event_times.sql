-- One row per landed message whose sent `timestamp` or `receivedAt` the loader did not believe (before
-- 2015-01-01, more than a day after its load, or not a time at all), so its event_at came from a later
-- source (loaders/land.py; README "Event time").
with raw_events as (

    select * from {{ source('raw', 'events') }}

),

with_originals as (

    select
        *,
        {{ json_object_fields('extra', ['timestamp', 'receivedAt']) }} as originals
    from raw_events

),

untrusted as (

    select
        with_originals.message_id,
        with_originals.user_id,
        with_originals.event,
        with_originals.event_at_source,
        with_originals.load_id,
        {{ json_value_text('with_originals.originals.timestamp') }} as sent_timestamp_json,
        {{ json_value_text('with_originals.originals.receivedat') }} as sent_received_at_json,
        with_originals.timestamp as sent_timestamp,
        with_originals.received_at,
        with_originals.event_at
    from with_originals
    where
        (
            with_originals.event_at_source <> 'timestamp'
            and (with_originals.timestamp is not null or with_originals.originals.timestamp is not null)
        )
        or (
            with_originals.event_at_source = 'load_default'
            and (with_originals.received_at is not null or with_originals.originals.receivedat is not null)
        )

),

final as (

    select * from untrusted

)

select * from final
