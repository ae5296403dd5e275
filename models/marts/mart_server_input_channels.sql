-- Server starts without any input channel (null or empty list) have no row here.
with

fct_server_starts as (

    select * from {{ ref('fct_server_starts') }}

),

channels as (

    select
        message_id,
        user_id,
        start_month,
        {{ marts_explode_distinct('input_channels') }} as input_channel
    from fct_server_starts

),

final as (

    select
        start_month,
        input_channel,
        count(distinct message_id) as server_starts,
        count(distinct user_id) as installations
    from channels
    group by start_month, input_channel

)

select * from final
-- sorted, so the table reads in order in the duckdb shell
order by start_month asc, server_starts desc
