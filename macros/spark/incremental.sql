{#-
    Incremental strategies on Apache Spark. Parquet tables (no Delta/Iceberg offline) have `append` and
    `insert_overwrite` only, no `delete+insert` or `merge`:
    - append models (staging, fct_nlu_tests, fct_server_starts, quality rows) append the new loads' rows,
      as on DuckDB;
    - the models that replace recomputed rows by key (int_training_runs_paired, int_training_runs_nested,
      fct_training_runs) are tables rebuilt whole on every build: replacing rows by key would need a
      partition column (a bucket of user_id) that the DuckDB models do not have, and insert_overwrite of
      whole buckets. Their answers are the same; a nightly build costs the whole of these three models.
-#}

{% macro spark__replace_materialization() -%}
    table
{%- endmacro %}

{% macro spark__replace_strategy() -%}
    insert_overwrite
{%- endmacro %}

{% macro spark__rows_differ(left_alias, right_alias) -%}
    not ({{ left_alias }} <=> {{ right_alias }})
{%- endmacro %}
