{#
    Engine-specific helpers for the intermediate models and marts, behind adapter.dispatch: each is the
    only place its DuckDB function appears; the Spark versions are in macros/spark/marts_functions.sql.
#}

{# Interpolated percentile of an aggregate, rounded to 2 decimals. #}
{% macro marts_percentile(expression, fraction) -%}
    {{ adapter.dispatch('marts_percentile', 'rasa_telemetry')(expression, fraction) }}
{%- endmacro %}

{% macro duckdb__marts_percentile(expression, fraction) -%}
    round(quantile_cont({{ expression }}, {{ fraction }}), 2)
{%- endmacro %}

{# One row per distinct element of a list column, used in a select list. #}
{% macro marts_explode_distinct(list_expression) -%}
    {{ adapter.dispatch('marts_explode_distinct', 'rasa_telemetry')(list_expression) }}
{%- endmacro %}

{% macro duckdb__marts_explode_distinct(list_expression) -%}
    unnest(list_distinct({{ list_expression }}))
{%- endmacro %}

{# '2.8.34' -> '2.8'; null when the version does not start with major.minor (the same SQL on Spark). #}
{% macro marts_minor_version(version_expression) -%}
    nullif(regexp_extract({{ version_expression }}, '^([0-9]+[.][0-9]+)', 1), '')
{%- endmacro %}

{# A timestamp shifted by a whole number of seconds, negative to go back. #}
{% macro marts_add_seconds(timestamp_expression, seconds_expression) -%}
    {{ adapter.dispatch('marts_add_seconds', 'rasa_telemetry')(timestamp_expression, seconds_expression) }}
{%- endmacro %}

{% macro duckdb__marts_add_seconds(timestamp_expression, seconds_expression) -%}
    ({{ timestamp_expression }} + to_seconds(cast({{ seconds_expression }} as bigint)))
{%- endmacro %}
