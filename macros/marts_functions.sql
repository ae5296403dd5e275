{#
    Engine-specific helpers for the intermediate models and marts. Each one is the only place its
    DuckDB function appears, so moving the models to another engine means rewriting these macros
    (the Spark equivalent is noted on each), not the models.
#}

{# Interpolated percentile of an aggregate (Spark: percentile(expr, fraction)). #}
{% macro marts_percentile(expression, fraction) -%}
    round(quantile_cont({{ expression }}, {{ fraction }}), 2)
{%- endmacro %}

{# One row per distinct element of a list column, used in a select list
   (Spark: explode(array_distinct(list))). #}
{% macro marts_explode_distinct(list_expression) -%}
    unnest(list_distinct({{ list_expression }}))
{%- endmacro %}

{# '2.8.34' -> '2.8'; null when the version does not start with major.minor (same in Spark). #}
{% macro marts_minor_version(version_expression) -%}
    nullif(regexp_extract({{ version_expression }}, '^([0-9]+[.][0-9]+)', 1), '')
{%- endmacro %}

{# A timestamp shifted by a whole number of seconds, negative to go back
   (Spark: ts + make_interval(0, 0, 0, 0, 0, 0, seconds)). #}
{% macro marts_add_seconds(timestamp_expression, seconds_expression) -%}
    ({{ timestamp_expression }} + to_seconds(cast({{ seconds_expression }} as bigint)))
{%- endmacro %}
