{% set endpoints = ['tracker_store', 'event_broker', 'lock_store', 'action_server', 'model_server', 'nlg', 'nlu'] %}
-- One row per start_month x setting x value: the seven endpoint types ('none' = not configured or
-- configured without a type), the HTTP API ('enabled' | 'disabled' | 'unknown') and the Sanic workers.
-- Per month and setting the shares add up to 1.
with

fct_server_starts as (

    select * from {{ ref('fct_server_starts') }}

),

settings as (

    {% for endpoint in endpoints %}
        select
            start_month,
            user_id,
            '{{ endpoint }}' as setting,
            coalesce(endpoints_{{ endpoint }}, 'none') as setting_value
        from fct_server_starts
        union all
    {% endfor %}

    select
        start_month,
        user_id,
        'api' as setting,
        case when api_enabled then 'enabled' when not api_enabled then 'disabled' else 'unknown' end as setting_value
    from fct_server_starts

    union all

    select
        start_month,
        user_id,
        'workers' as setting,
        coalesce(cast(number_of_workers as string), 'unknown') as setting_value
    from fct_server_starts

),

counted as (

    select
        start_month,
        setting,
        setting_value,
        count(*) as server_starts,
        count(distinct user_id) as installations
    from settings
    group by start_month, setting, setting_value

),

monthly as (

    select
        start_month,
        count(*) as month_server_starts
    from fct_server_starts
    group by start_month

),

final as (

    select
        counted.start_month,
        counted.setting,
        counted.setting_value,
        counted.server_starts,
        counted.installations,
        monthly.month_server_starts,
        round(cast(counted.server_starts as double) / monthly.month_server_starts, 4) as server_start_share
    from counted
    inner join monthly
        on counted.start_month = monthly.start_month

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by start_month asc, setting asc, server_starts desc
