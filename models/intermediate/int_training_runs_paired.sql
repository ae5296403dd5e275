-- One row per training_id: the first Training Started paired with the first Training Completed.
-- Duplicated events for a training_id collapse into one row (their counts are kept);
-- a Completed without a Started still yields a row with started_at null.
--
-- Incremental: a training with an event in a load this model has not seen yet (a Training Completed
-- arriving a day after its Training Started, a late file) is paired again from all of its events and
-- replaces its row. `load_id` is the newest load among the training's events.
{{
    config(
        materialized=replace_materialization(),
        incremental_strategy=replace_strategy(),
        unique_key='training_id',
        on_schema_change='fail',
    )
}}

with

stg_telemetry__training_started as (

    select * from {{ ref('stg_telemetry__training_started') }}
    where training_id is not null

),

stg_telemetry__training_completed as (

    select * from {{ ref('stg_telemetry__training_completed') }}
    where training_id is not null

),

{% if is_incremental() %}
    changed_trainings as (

        select training_id from {{ ref('stg_telemetry__training_started') }}
        where training_id is not null and {{ is_new_load() }}

        union

        select training_id from {{ ref('stg_telemetry__training_completed') }}
        where training_id is not null and {{ is_new_load() }}

    ),
{% endif %}

-- Ranked on the key columns only, read straight from the model (an import CTE read twice would be
-- materialized whole, JSON and all); the chosen event's full row is joined back by message_id.
started_ranked as (

    select
        message_id,
        row_number() over (
            partition by training_id
            order by event_at asc, load_id asc, message_id asc
        ) as event_rank,
        count(*) over (partition by training_id) as started_events,
        max(load_id) over (partition by training_id) as newest_load_id
    from {{ ref('stg_telemetry__training_started') }}
    where
        training_id is not null
        {% if is_incremental() %}
            and training_id in (select changed_trainings.training_id from changed_trainings)
        {% endif %}

),

completed_ranked as (

    select
        message_id,
        row_number() over (
            partition by training_id
            order by event_at asc, load_id asc, message_id asc
        ) as event_rank,
        count(*) over (partition by training_id) as completed_events,
        max(load_id) over (partition by training_id) as newest_load_id
    from {{ ref('stg_telemetry__training_completed') }}
    where
        training_id is not null
        {% if is_incremental() %}
            and training_id in (select changed_trainings.training_id from changed_trainings)
        {% endif %}

),

started as (

    select
        stg_telemetry__training_started.*,
        started_ranked.started_events,
        started_ranked.newest_load_id
    from started_ranked
    inner join stg_telemetry__training_started
        on started_ranked.message_id = stg_telemetry__training_started.message_id
    where started_ranked.event_rank = 1

),

completed as (

    select
        stg_telemetry__training_completed.*,
        completed_ranked.completed_events,
        completed_ranked.newest_load_id
    from completed_ranked
    inner join stg_telemetry__training_completed
        on completed_ranked.message_id = stg_telemetry__training_completed.message_id
    where completed_ranked.event_rank = 1

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
        greatest(coalesce(started.newest_load_id, 0), coalesce(completed.newest_load_id, 0)) as load_id,

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
