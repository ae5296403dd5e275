with

fct_nlu_tests as (

    select * from {{ ref('fct_nlu_tests') }}

),

final as (

    select
        test_date,
        rasa_version,
        count(*) as nlu_tests,
        {{ marts_percentile('num_intent_examples', 0.5) }} as num_intent_examples_p50,
        {{ marts_percentile('num_intent_examples', 0.9) }} as num_intent_examples_p90,
        max(num_intent_examples) as num_intent_examples_max,
        {{ marts_percentile('num_entity_examples', 0.5) }} as num_entity_examples_p50,
        {{ marts_percentile('num_entity_examples', 0.9) }} as num_entity_examples_p90,
        max(num_entity_examples) as num_entity_examples_max,
        {{ marts_percentile('num_lookup_tables', 0.5) }} as num_lookup_tables_p50,
        {{ marts_percentile('num_lookup_tables', 0.9) }} as num_lookup_tables_p90,
        max(num_lookup_tables) as num_lookup_tables_max,
        {{ marts_percentile('num_synonyms', 0.5) }} as num_synonyms_p50,
        {{ marts_percentile('num_synonyms', 0.9) }} as num_synonyms_p90,
        max(num_synonyms) as num_synonyms_max,
        {{ marts_percentile('num_regexes', 0.5) }} as num_regexes_p50,
        {{ marts_percentile('num_regexes', 0.9) }} as num_regexes_p90,
        max(num_regexes) as num_regexes_max,
        count(distinct user_id) as installations
    from fct_nlu_tests
    group by test_date, rasa_version

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by test_date, rasa_version
