-- Top-level runs with a reported runtime and a known number of intent examples.
with

fct_training_runs as (

    select * from {{ ref('fct_training_runs') }}

),

runs as (

    select
        model_type,
        runtime_seconds,
        {{ report_size_bucket('num_intent_examples') }} as intent_examples_from
    from fct_training_runs
    where
        not is_nested
        and runtime_seconds is not null
        and num_intent_examples >= 0

),

aggregated as (

    select
        intent_examples_from,
        model_type,
        count(*) as runs,
        {{ marts_percentile('runtime_seconds', 0.1) }} as runtime_p10_seconds,
        {{ marts_percentile('runtime_seconds', 0.25) }} as runtime_p25_seconds,
        {{ marts_percentile('runtime_seconds', 0.5) }} as runtime_p50_seconds,
        {{ marts_percentile('runtime_seconds', 0.75) }} as runtime_p75_seconds,
        {{ marts_percentile('runtime_seconds', 0.9) }} as runtime_p90_seconds,
        max(runtime_seconds) as runtime_max_seconds
    from runs
    group by intent_examples_from, model_type

),

final as (

    select
        intent_examples_from,
        {{ report_size_bucket_upper('intent_examples_from') }} as intent_examples_to,
        {{ report_size_bucket_label(
            'intent_examples_from', report_size_bucket_upper('intent_examples_from')
        ) }} as intent_examples_bucket,
        model_type,
        runs,
        runtime_p10_seconds,
        runtime_p25_seconds,
        runtime_p50_seconds,
        runtime_p75_seconds,
        runtime_p90_seconds,
        runtime_max_seconds
    from aggregated

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by intent_examples_from, model_type
