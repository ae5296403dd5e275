{% set size_measures = [
    'num_intent_examples', 'num_entity_examples', 'num_lookup_tables', 'num_synonyms', 'num_regexes',
] %}
-- One row per size measure x bucket; a test without a valid value for a measure is left out of it.
with

fct_nlu_tests as (

    select * from {{ ref('fct_nlu_tests') }}

),

sizes as (

    {% for measure in size_measures %}
        select
            '{{ measure }}' as size_measure,
            message_id,
            user_id,
            {{ report_size_bucket(measure) }} as size_from
        from fct_nlu_tests
        where {{ measure }} >= 0
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

aggregated as (

    select
        size_measure,
        size_from,
        count(*) as nlu_tests,
        count(distinct user_id) as installations
    from sizes
    group by size_measure, size_from

),

final as (

    select
        size_measure,
        size_from,
        {{ report_size_bucket_upper('size_from') }} as size_to,
        {{ report_size_bucket_label('size_from', report_size_bucket_upper('size_from')) }} as size_bucket,
        nlu_tests,
        installations
    from aggregated

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by size_measure, size_from
