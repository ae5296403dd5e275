{#
    A per-event staging model's columns must be exactly: the envelope (the columns of
    stg_telemetry__events except `properties`, same types) plus one column per spec property of
    `event`, typed per the seed (plus `<property>_component_names` VARCHAR[] for array<object>),
    and every column must be documented in the model's yml. One failing row per mismatch.
#}
{% test columns_match_spec(model, event) %}

{%- set documented = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.alias == model.identifier and node.schema == model.schema -%}
            {%- for column_name in node.columns -%}
                {%- do documented.append(column_name) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with events_columns as (

    select
        column_name,
        data_type
    from information_schema.columns
    where
        table_schema = '{{ model.schema }}'
        and table_name = 'stg_telemetry__events'

),

spec as (

    select * from {{ ref('telemetry_event_properties') }}
    where event = {{ sql_string(event) }}

),

expected as (

    select
        column_name,
        data_type
    from events_columns
    where column_name != 'properties'

    union all

    select
        property as column_name,
        {{ spec_sql_type(json_type_expr='json_type') }} as data_type
    from spec

    union all

    select
        property || '_component_names' as column_name,
        'VARCHAR[]' as data_type
    from spec
    where json_type = 'array<object>'

),

actual as (

    select
        column_name,
        data_type
    from information_schema.columns
    where
        table_schema = '{{ model.schema }}'
        and table_name = '{{ model.identifier }}'

),

compared as (

    select
        coalesce(expected.column_name, actual.column_name) as column_name,
        expected.data_type as expected_type,
        actual.data_type as actual_type,
        case
            when actual.column_name is null then 'missing from model'
            when expected.column_name is null then 'not in spec or envelope'
            else 'wrong type'
        end as problem
    from expected
    full outer join actual
        on expected.column_name = actual.column_name
    where expected.data_type is distinct from actual.data_type

),

{#- documented: the model's yml columns; an empty list means the model node was not found -#}
undocumented as (

    select
        actual.column_name,
        null as expected_type,
        actual.data_type as actual_type,
        'not documented in yml' as problem
    from actual
    where actual.column_name not in (
        {%- for column_name in documented %}'{{ column_name }}', {% endfor -%}
        ''
    )

)

select * from compared
union all
select * from undocumented

{% endtest %}
