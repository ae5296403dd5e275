{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with source as (

    select * from {{ source('raw', 'events') }}
    {% if is_incremental() %}
        -- new loads only: keyed on the load, not on event time, so a late file for an old day
        -- is picked up
        where load_id > (select coalesce(max(loaded_events.load_id), 0) from {{ this }} as loaded_events)
    {% endif %}

),

renamed as (

    select
        -- ids
        message_id,
        user_id,
        load_id,

        -- strings
        event,
        {{ event_slug('event') }} as event_slug,
        message_type,
        event_at_source,
        {{ json_typed_value('context', '$.rasa_open_source', 'string') }} as rasa_version,
        {{ json_typed_value('context', '$.python', 'string') }} as python_version,
        {{ json_typed_value('context', '$.os.name', 'string') }} as os_name,
        {{ json_typed_value('context', '$.os.version', 'string') }} as os_version,
        {{ json_typed_value('context', '$.project', 'string') }} as project_fingerprint,
        {{ json_typed_value('context', '$.directory', 'string') }} as directory_hash,
        {{ json_typed_value('context', '$.license_hash', 'string') }} as license_hash,
        {{ json_typed_value('context', '$.library.name', 'string') }} as library_name,
        source_file,

        -- numerics
        {{ json_typed_value('context', '$.cpu', 'integer') }} as cpu_count,
        {{ json_typed_value('context', '$.gpu', 'integer') }} as gpu_count,
        line_number,

        -- booleans
        {{ json_typed_value('context', '$.ci', 'boolean') }} as is_ci,
        {{ json_typed_value('context', '$.docker', 'boolean') }} as is_docker,
        is_generated_message_id,

        -- timestamps (UTC)
        event_at,
        received_at,

        -- the event's own properties, typed in stg_telemetry__<event_slug>
        properties

    from source

)

select * from renamed
