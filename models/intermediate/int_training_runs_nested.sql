-- One row per training_id: where the run sits in the nesting of `rasa train`.
--
-- `rasa train` wraps its work in an outer run of type 'rasa'; 2.x nests an 'nlu' and/or a 'core' run
-- inside it, 3.x nests one run typed by the data ('rasa', 'nlu' or 'core'). A run is nested when an
-- earlier 'rasa' run of the same installation (same directory and Rasa version, i.e. the same process)
-- spans its start:
--   * completed parent: parent start <= child start <= parent completion;
--   * failed parent (no Completed): parent start <= child start < the start of the installation's
--     next outer 'rasa' run (at most `training_nesting_max_hours` after the parent's start), and the
--     child starts within `training_inner_start_max_minutes` of the end (or failed start) of the run
--     before it: inner runs follow each other closely, a later standalone run does not. On 3.x a
--     failed 'rasa' run directly and closely followed by a failed 'rasa' run is read as outer + inner,
--     so the bound is the next 'rasa' start after that one.
-- Runs without a Started event are placed at completion minus runtime.
-- Among several candidate parents the latest one that is not itself nested wins.
--
-- Incremental: a run's nesting depends on the installation's other runs, so every run of an
-- installation whose runs changed (int_training_runs_paired rows of loads this model has not seen)
-- is placed again and replaces its row; so are the runs of an installation a training moved away from.
{{
    config(
        materialized=replace_materialization(),
        incremental_strategy=replace_strategy(),
        unique_key='training_id',
        on_schema_change='fail',
    )
}}
{% set max_hours = var('training_nesting_max_hours', 24) %}
{% set inner_gap_minutes = var('training_inner_start_max_minutes', 10) %}

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

placed as (

    select
        training_id,
        user_id,
        directory_hash,
        model_type,
        rasa_version,
        load_id,
        is_completed,
        started_at,
        completed_at,
        coalesce(
            started_at,
            {{ marts_add_seconds('completed_at', '-coalesce(runtime_seconds, 0)') }}
        ) as placed_at
    from int_training_runs_paired

),

sequenced as (

    select
        *,
        row_number() over (
            partition by user_id
            order by placed_at asc, completed_at desc nulls first, training_id asc
        ) as run_seq
    from placed

),

neighbours as (

    select
        *,
        lead(model_type) over installation_runs as next_model_type,
        lead(is_completed) over installation_runs as next_is_completed,
        lead(placed_at) over installation_runs as next_placed_at,
        lag(coalesce(completed_at, placed_at)) over installation_runs as previous_run_end_at,
        min(case when model_type = 'rasa' then placed_at end) over (
            partition by user_id order by run_seq rows between 1 following and unbounded following
        ) as next_rasa_placed_at,
        min(case when model_type = 'rasa' then placed_at end) over (
            partition by user_id order by run_seq rows between 2 following and unbounded following
        ) as second_next_rasa_placed_at
    from sequenced
    window installation_runs as (partition by user_id order by run_seq)

),

windows as (

    select
        *,
        case
            when is_completed then completed_at
            else least(
                coalesce(
                    case
                        when
                            rasa_version like '3.%'
                            and next_model_type = 'rasa'
                            and not next_is_completed
                            and next_placed_at
                            <= {{ marts_add_seconds('placed_at', inner_gap_minutes * 60) }}
                            then second_next_rasa_placed_at
                        else next_rasa_placed_at
                    end,
                    {{ marts_add_seconds('placed_at', max_hours * 3600) }}
                ),
                {{ marts_add_seconds('placed_at', max_hours * 3600) }}
            )
        end as window_end_at
    from neighbours

),

candidates as (

    select
        child.training_id,
        parent.training_id as candidate_parent_training_id,
        parent.run_seq as candidate_parent_run_seq
    from windows as child
    inner join windows as parent
        on
            child.user_id = parent.user_id
            and child.directory_hash is not distinct from parent.directory_hash
            and child.rasa_version is not distinct from parent.rasa_version
            and parent.model_type = 'rasa'
            and child.run_seq > parent.run_seq
            and child.placed_at >= parent.placed_at
            and (
                (parent.is_completed and child.placed_at <= parent.window_end_at)
                or (
                    not parent.is_completed
                    and child.placed_at < parent.window_end_at
                    and child.placed_at
                    <= {{ marts_add_seconds('child.previous_run_end_at', inner_gap_minutes * 60) }}
                )
            )

),

has_candidate as (

    select distinct training_id from candidates

),

ranked_candidates as (

    select
        candidates.training_id,
        candidates.candidate_parent_training_id,
        row_number() over (
            partition by candidates.training_id
            order by
                -- prefer parents that are top-level themselves, then the latest one
                case when nested_parent.training_id is null then 0 else 1 end asc,
                candidates.candidate_parent_run_seq desc
        ) as candidate_rank
    from candidates
    left join has_candidate as nested_parent
        on candidates.candidate_parent_training_id = nested_parent.training_id

),

parents as (

    select
        training_id,
        candidate_parent_training_id as parent_training_id
    from ranked_candidates
    where candidate_rank = 1

),

children_counts as (

    select
        parent_training_id as training_id,
        count(*) as nested_runs
    from parents
    group by parent_training_id

),

placed_runs as (

    select
        windows.training_id,
        parents.parent_training_id,
        windows.user_id,
        windows.model_type,
        windows.run_seq,
        windows.load_id,
        coalesce(children_counts.nested_runs, 0) as nested_runs,
        parents.parent_training_id is not null as is_nested,
        children_counts.training_id is not null as is_outer,
        windows.placed_at,
        windows.window_end_at
    from windows
    left join parents
        on windows.training_id = parents.training_id
    left join children_counts
        on windows.training_id = children_counts.training_id

),

final as (

    {% if is_incremental() %}
        {{ changed_rows('placed_runs', 'training_id') }}
    {% else %}
        select * from placed_runs
    {% endif %}

)

select * from final
