-- Every event in the spec seed has a stg_telemetry__<event_slug> model, and every
-- stg_telemetry__* model (other than the envelope) belongs to a spec event.
-- One failing row per mismatch.

{%- set model_names = [] -%}
{%- for node in (graph.nodes.values() if execute else []) if node.resource_type == 'model' -%}
    {%- if node.name.startswith('stg_telemetry__') and node.name != 'stg_telemetry__events' -%}
        {%- do model_names.append(node.name) -%}
    {%- endif -%}
{%- endfor %}

with telemetry_event_properties as (

    select * from {{ ref('telemetry_event_properties') }}

),

spec_models as (

    select distinct
        event,
        'stg_telemetry__' || {{ event_slug('event') }} as model_name
    from telemetry_event_properties

),

project_models as (

    select {{ list_explode(string_list(model_names)) }} as model_name

),

final as (

    select
        spec_models.event,
        coalesce(spec_models.model_name, project_models.model_name) as model_name,
        case
            when project_models.model_name is null then 'spec event has no staging model'
            else 'staging model has no spec event'
        end as problem
    from spec_models
    full outer join project_models
        on spec_models.model_name = project_models.model_name
    where spec_models.model_name is null or project_models.model_name is null

)

select * from final
