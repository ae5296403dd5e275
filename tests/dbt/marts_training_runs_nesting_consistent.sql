-- A nested run must hang under an outer 'rasa' run of the same installation that started no later
-- than the nested run, and the flags must agree with parent_training_id.
with

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

broken as (

    select
        child.training_id,
        child.parent_training_id,
        parent.model_type as parent_model_type,
        parent.user_id as parent_user_id,
        child.user_id
    from fct_training_runs as child
    left join fct_training_runs as parent
        on child.parent_training_id = parent.training_id
    where
        child.parent_training_id is not null
        and (
            parent.training_id is null
            or parent.model_type <> 'rasa'
            or parent.user_id <> child.user_id
            or parent.placed_at > child.placed_at
            or child.is_nested is distinct from true
            or parent.is_outer is distinct from true
        )

)

select * from broken
