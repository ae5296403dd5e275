-- Incremental like int_training_runs_nested: the runs of every installation whose runs changed in a
-- load this model has not seen are rebuilt and replace their rows (a Training Completed that arrives
-- in a later load completes its run; a new run can change the nesting of earlier ones).
{{
    config(
        materialized=replace_materialization(),
        incremental_strategy=replace_strategy(),
        unique_key='training_id',
        on_schema_change='fail',
    )
}}

with

{% if is_incremental() %}
    changed_runs as (

        select
            training_id,
            user_id
        from {{ ref('int_training_runs_paired') }}
        where {{ is_new_load() }}

    ),

    changed_installations as (

        select user_id from changed_runs

        union

        select this_model.user_id
        from {{ this }} as this_model
        inner join changed_runs
            on this_model.training_id = changed_runs.training_id

    ),
{% endif %}

int_training_runs_paired as (

    select * from {{ ref('int_training_runs_paired') }}
    {% if is_incremental() %}
        where user_id in (select changed_installations.user_id from changed_installations)
    {% endif %}

),

int_training_runs_nested as (

    select * from {{ ref('int_training_runs_nested') }}
    {% if is_incremental() %}
        where user_id in (select changed_installations.user_id from changed_installations)
    {% endif %}

),

joined as (

    select
        -- ids
        int_training_runs_paired.training_id,
        int_training_runs_nested.parent_training_id,
        int_training_runs_paired.user_id,
        int_training_runs_paired.started_message_id,
        int_training_runs_paired.completed_message_id,
        int_training_runs_paired.directory_hash,
        int_training_runs_paired.project_fingerprint,
        int_training_runs_paired.load_id,

        -- strings
        int_training_runs_paired.model_type,
        int_training_runs_paired.language,
        int_training_runs_paired.rasa_version,
        int_training_runs_paired.recipe,
        int_training_runs_paired.pipeline,
        int_training_runs_paired.policies,
        int_training_runs_paired.pipeline_component_names,
        int_training_runs_paired.policies_component_names,

        -- numerics
        int_training_runs_paired.runtime_seconds,
        int_training_runs_nested.nested_runs,
        int_training_runs_paired.num_intent_examples,
        int_training_runs_paired.num_entity_examples,
        int_training_runs_paired.num_actions,
        int_training_runs_paired.num_templates,
        int_training_runs_paired.num_conditional_response_variations,
        int_training_runs_paired.num_slots,
        int_training_runs_paired.num_forms,
        int_training_runs_paired.num_intents,
        int_training_runs_paired.num_entities,
        int_training_runs_paired.num_story_steps,
        int_training_runs_paired.num_lookup_tables,
        int_training_runs_paired.num_synonyms,
        int_training_runs_paired.num_regexes,
        int_training_runs_paired.num_slot_mappings,
        int_training_runs_paired.num_custom_slot_mappings,
        int_training_runs_paired.num_conditional_slot_mappings,
        int_training_runs_paired.started_events,
        int_training_runs_paired.completed_events,

        -- booleans
        int_training_runs_paired.is_completed,
        int_training_runs_paired.has_started_event,
        int_training_runs_paired.is_finetuning,
        int_training_runs_nested.is_nested,
        int_training_runs_nested.is_outer,

        -- timestamps
        int_training_runs_paired.started_at,
        int_training_runs_paired.completed_at,
        int_training_runs_nested.placed_at,
        cast(int_training_runs_nested.placed_at as date) as training_date

    from int_training_runs_paired
    inner join int_training_runs_nested
        on int_training_runs_paired.training_id = int_training_runs_nested.training_id

),

final as (

    {% if is_incremental() %}
        {{ changed_rows('joined', 'training_id') }}
    {% else %}
        select * from joined
    {% endif %}

)

select * from final
