{#
    Helpers for the report models (models/marts/*_weekly, *_by_size, ..., models/quality/*_daily).
    Like marts_functions.sql, each is the only place its expression appears; where Spark's SQL differs
    the macro is dispatched (Spark versions: macros/spark/marts_functions.sql).
#}

{# Lower bound of a size bucket on the 1-2-5 series (0, 1, 2, 5, 10, 20, 50, 100, ...) for a
   non-negative integer; null for null or negative values. Works on the decimal digits, not on
   log10, so powers of ten land in their own bucket exactly (the same SQL on Spark). #}
{% macro report_size_bucket(expression) -%}
    case
        when {{ expression }} < 0 then null
        when {{ expression }} = 0 then 0
        else
            cast(case
                when cast(left(cast({{ expression }} as string), 1) as integer) >= 5 then 5
                when cast(left(cast({{ expression }} as string), 1) as integer) >= 2 then 2
                else 1
            end * power(10, length(cast({{ expression }} as string)) - 1) as bigint)
    end
{%- endmacro %}

{# Exclusive upper bound of the bucket starting at `lower` (0 -> 1, 1 -> 2, 2 -> 5, 5 -> 10, ...). #}
{% macro report_size_bucket_upper(lower) -%}
    case
        when {{ lower }} = 0 then 1
        when left(cast({{ lower }} as string), 1) = '2' then cast({{ lower }} * 5 / 2 as bigint)
        else {{ lower }} * 2
    end
{%- endmacro %}

{# '0', '1', '2-4', '500-999': the integers of the bucket [lower, upper). #}
{% macro report_size_bucket_label(lower, upper) -%}
    case
        when {{ upper }} - {{ lower }} = 1 then cast({{ lower }} as string)
        else cast({{ lower }} as string) || '-' || cast({{ upper }} - 1 as string)
    end
{%- endmacro %}

{# Numeric part `n` (1 = major, 2 = minor, 3 = patch) of a version such as '3.6.9' or '3.0.0rc1';
   null when absent (the same SQL on Spark). #}
{% macro report_version_part(version_expression, part) -%}
    try_cast(nullif(regexp_extract({{ version_expression }}, '^([0-9]+)[.]([0-9]+)(?:[.]([0-9]+))?', {{ part }}), '') as integer)
{%- endmacro %}

{# UTC day of a Segment archive file from its path, segment-logs/<source-id>/<UTC-day-start-ms>/<file>;
   null for a path without that folder. #}
{% macro report_archive_date(path_expression) -%}
    {{ adapter.dispatch('report_archive_date', 'rasa_telemetry')(path_expression) }}
{%- endmacro %}

{% macro duckdb__report_archive_date(path_expression) -%}
    cast(make_timestamp(
        try_cast(nullif(regexp_extract({{ path_expression }}, '/([0-9]{13})/[^/]+$', 1), '') as bigint) * 1000
    ) as date)
{%- endmacro %}
