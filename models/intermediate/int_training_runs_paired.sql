-- One row per training_id: the first Training Started paired with the first Training Completed.
-- Duplicated events for a training_id collapse into one row (their counts are kept);
-- a Completed without a Started still yields a row with started_at null.
with

stg_telemetry__training_started as (

    select * from {{ ref('stg_telemetry__training_started') }}

),

stg_telemetry__training_completed as (

    select * from {{ ref('stg_telemetry__training_completed') }}

),

started_ranked as (

    select
        *,
        row_number() over (
            partition by training_id
            order by event_at asc, load_id asc, message_id asc
        ) as event_rank,
        count(*) over (partition by training_id) as started_events
    from stg_telemetry__training_started
    where training_id is not null

),

completed_ranked as (

    select
        *,
        row_number() over (
            partition by training_id
            order by event_at asc, load_id asc, message_id asc
        ) as event_rank,
        count(*) over (partition by training_id) as completed_events
    from stg_telemetry__training_completed
    where training_id is not null

),

started as (

    select * from started_ranked
    where event_rank = 1

),

completed as (

    select * from completed_ranked
    where event_rank = 1

),

paired as (

    select
        -- ids
        coalesce(started.training_id, completed.training_id) as training_id,
        coalesce(started.user_id, completed.user_id) as user_id,
        started.message_id as started_message_id,
        completed.message_id as completed_message_id,
        coalesce(started.directory_hash, completed.directory_hash) as directory_hash,
        coalesce(started.project_fingerprint, completed.project_fingerprint) as project_fingerprint,

        -- strings
        coalesce(started.type, completed.type) as model_type,
        started.language,
        coalesce(started.rasa_version, completed.rasa_version) as rasa_version,
        started.recipe,
        started.pipeline,
        started.policies,
        started.pipeline_component_names,
        started.policies_component_names,

        -- numerics
        completed.runtime as runtime_seconds,
        started.num_intent_examples,
        started.num_entity_examples,
        started.num_actions,
        started.num_templates,
        started.num_conditional_response_variations,
        started.num_slots,
        started.num_forms,
        started.num_intents,
        started.num_entities,
        started.num_story_steps,
        started.num_lookup_tables,
        started.num_synonyms,
        started.num_regexes,
        started.num_slot_mappings,
        started.num_custom_slot_mappings,
        started.num_conditional_slot_mappings,
        coalesce(started.started_events, 0) as started_events,
        coalesce(completed.completed_events, 0) as completed_events,

        -- booleans
        completed.training_id is not null as is_completed,
        started.training_id is not null as has_started_event,
        started.is_finetuning,

        -- timestamps
        started.event_at as started_at,
        completed.event_at as completed_at

    from started
    full outer join completed
        on started.training_id = completed.training_id

),

final as (

    select * from paired

)

select * from final
