{#-
    `dbt run-operation spark_attach_raw --args '{location: DIR}' --target spark`: makes raw.events,
    raw.rejected_events and raw.loads the Parquet tables at DIR/events, DIR/rejected_events, DIR/loads
    (each table's schema is its Parquet schema). tests/spark_kit.py writes such a folder from a DuckDB
    warehouse; the Spark loader writes the same tables itself.
-#}
{% macro spark_attach_raw(location) %}
    {% do run_query('create database if not exists raw') %}
    {% for table in ['events', 'rejected_events', 'loads'] %}
        {% do run_query('drop table if exists raw.' ~ table) %}
        {% do run_query("create table raw." ~ table ~ " using parquet location '" ~ location ~ "/" ~ table ~ "'") %}
    {% endfor %}
    {{ log("raw.events, raw.rejected_events, raw.loads -> " ~ location, info=true) }}
{% endmacro %}
