{#- Grain test for aggregate marts: no two rows share the same combination of columns (nulls compare equal). -#}
{% test marts_unique_combination(model, combination_of_columns) %}

with grouped as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as rows_per_key
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select *
from grouped
where rows_per_key > 1

{% endtest %}


{#- Range test without dbt_utils: rows whose value lies outside [min_value, max_value] (nulls pass). -#}
{% test marts_value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and (
        false
        {%- if min_value is not none %}
        or {{ column_name }} < {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or {{ column_name }} > {{ max_value }}
        {%- endif %}
    )

{% endtest %}
