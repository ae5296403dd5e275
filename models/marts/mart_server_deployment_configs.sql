-- Null in an endpoints_* column: the endpoint is not configured, or configured without a `type:`.
with

fct_server_starts as (

    select * from {{ ref('fct_server_starts') }}

),

final as (

    select
        start_month,
        rasa_version,
        endpoints_nlg,
        endpoints_nlu,
        endpoints_action_server,
        endpoints_model_server,
        endpoints_tracker_store,
        endpoints_lock_store,
        endpoints_event_broker,
        count(*) as server_starts,
        count(distinct user_id) as installations,
        round(avg(case when api_enabled then 1.0 when not api_enabled then 0.0 end), 4) as api_enabled_share,
        {{ marts_percentile('number_of_workers', 0.5) }} as workers_p50
    from fct_server_starts
    group by
        start_month,
        rasa_version,
        endpoints_nlg,
        endpoints_nlu,
        endpoints_action_server,
        endpoints_model_server,
        endpoints_tracker_store,
        endpoints_lock_store,
        endpoints_event_broker

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by start_month asc, server_starts desc
