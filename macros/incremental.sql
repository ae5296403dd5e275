{#-
    Incremental building blocks. Every incremental model is keyed on the load (`load_id`, from
    raw.loads, monotonic), never on event time, so a late file for an old day is picked up by the
    next build like any other load.

    Strategies, and what a Spark port does instead (offline Spark has only `append` and
    `insert_overwrite`):
    - per-event rows (staging, fct_nlu_tests, fct_server_starts, quality rows): `append` of the
      new loads' rows; the same on Spark.
    - rows a later load can change (a training's Training Completed arrives later; a run's
      nesting changes when its installation trains again): `replace_strategy()`, i.e. the model
      recomputes every row of the partitions the new loads touch and replaces them by key. On
      DuckDB that is delete+insert on the row key. On Spark (Parquet, no merge) these models are
      tables rebuilt whole (`replace_materialization()`); insert_overwrite of partitions (a bucket of
      user_id, recomputing whole buckets) is the next step there.
-#}

{#- Where-clause predicate of an incremental model: rows of loads after the newest one this model
    has seen. A load that gave this model no rows is read again next time and gives none again. -#}
{% macro is_new_load(column='load_id') -%}
    {{ column }} > (select coalesce(max(this_model.{{ column }}), 0) from {{ this }} as this_model)
{%- endmacro %}

{#- The materialization of a model that replaces recomputed rows by key (see above): incremental on DuckDB;
    a table rebuilt whole on Spark (macros/spark/incremental.sql says why). -#}
{% macro replace_materialization() -%}
    {{ adapter.dispatch('replace_materialization', 'rasa_telemetry')() }}
{%- endmacro %}

{% macro duckdb__replace_materialization() -%}
    incremental
{%- endmacro %}

{#- The incremental strategy of a model that replaces recomputed rows by key (see above). -#}
{% macro replace_strategy() -%}
    {{ adapter.dispatch('replace_strategy', 'rasa_telemetry')() }}
{%- endmacro %}

{% macro duckdb__replace_strategy() -%}
    delete+insert
{%- endmacro %}

{#- The select of an incremental model's last CTE: of the recomputed rows in `cte`, only those that are new
    or differ from the model's current row with the same `key`. Rows a new load did not change are then
    neither deleted nor written again (a replaced model recomputes whole installations, most of whose
    rows stay the same). -#}
{% macro changed_rows(cte, key) -%}
    select {{ cte }}.*
    from {{ cte }}
    left join {{ this }} as this_model
        on {{ cte }}.{{ key }} = this_model.{{ key }}
    where
        this_model.{{ key }} is null
        or {{ rows_differ(cte, 'this_model') }}
{%- endmacro %}

{#- True when two rows of the same columns differ in any column (nulls compare equal). -#}
{% macro rows_differ(left_alias, right_alias) -%}
    {{ adapter.dispatch('rows_differ', 'rasa_telemetry')(left_alias, right_alias) }}
{%- endmacro %}

{% macro duckdb__rows_differ(left_alias, right_alias) -%}
    {{ left_alias }} is distinct from {{ right_alias }}
{%- endmacro %}
