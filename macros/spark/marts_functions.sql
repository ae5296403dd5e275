{#- Apache Spark implementations of the dispatched helpers of macros/marts_functions.sql,
    macros/report_functions.sql and macros/telemetry.sql. -#}

{#- percentile() interpolates like DuckDB's quantile_cont (position (n - 1) * fraction). -#}
{% macro spark__marts_percentile(expression, fraction) -%}
    round(percentile({{ expression }}, {{ fraction }}), 2)
{%- endmacro %}

{% macro spark__marts_explode_distinct(list_expression) -%}
    explode(array_distinct({{ list_expression }}))
{%- endmacro %}

{% macro spark__marts_add_seconds(timestamp_expression, seconds_expression) -%}
    timestampadd(second, cast({{ seconds_expression }} as bigint), {{ timestamp_expression }})
{%- endmacro %}

{% macro spark__report_archive_date(path_expression) -%}
    to_date(timestamp_millis(
        try_cast(nullif(regexp_extract({{ path_expression }}, '/([0-9]{13})/[^/]+$', 1), '') as bigint)
    ))
{%- endmacro %}

{% macro spark__event_slug(event_expr) -%}
    regexp_replace(regexp_replace(lower(trim({{ event_expr }})), '[^a-z0-9]+', '_'), '^_+|_+$', '')
{%- endmacro %}

{% macro spark__list_explode(list_expr) -%}
    explode({{ list_expr }})
{%- endmacro %}

{% macro spark__string_list(values) -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append("'" ~ value | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") -%}
    {%- endfor -%}
    cast(array({{ literals | join(', ') }}) as array<string>)
{%- endmacro %}
