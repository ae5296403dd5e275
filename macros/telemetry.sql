{#- Helpers shared by the staging and quality models. -#}

{# A SQL string literal. #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- Segment's table name for an event: snake case ("Model NLU Tested" -> model_nlu_tested).
    Mirrors common.spec.event_slug (tests/test_spec_sync.py runs both on the same names). -#}
{% macro event_slug(event_expr) -%}
    {{ adapter.dispatch('event_slug', 'rasa_telemetry')(event_expr) }}
{%- endmacro %}

{% macro duckdb__event_slug(event_expr) -%}
    trim(regexp_replace(lower(trim({{ event_expr }})), '[^a-z0-9]+', '_', 'g'), '_')
{%- endmacro %}

{# A deterministic text key from several columns (md5 of the '|'-joined values). #}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns -%}
        , coalesce(cast({{ column }} as string), '')
    {%- endfor -%}
    ))
{%- endmacro %}

{#- One row per element of a list column, used in a select list. -#}
{% macro list_explode(list_expr) -%}
    {{ adapter.dispatch('list_explode', 'rasa_telemetry')(list_expr) }}
{%- endmacro %}

{% macro duckdb__list_explode(list_expr) -%}
    unnest({{ list_expr }})
{%- endmacro %}

{#- A list of string literals (an empty one too). -#}
{% macro string_list(values) -%}
    {{ adapter.dispatch('string_list', 'rasa_telemetry')(values) }}
{%- endmacro %}

{% macro duckdb__string_list(values) -%}
    cast([{%- for value in values %}{{ sql_string(value) }}{{ ", " if not loop.last }}{% endfor -%}] as varchar [])
{%- endmacro %}
