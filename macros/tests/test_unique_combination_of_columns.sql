{# Fails for every combination of the given columns that occurs more than once (no dbt_utils offline). #}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with duplicated as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicated

{% endtest %}
