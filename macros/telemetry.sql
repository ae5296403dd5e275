{#
    Spec-driven staging: the per-event staging models are built from the seed
    `telemetry_event_properties` at execution time, so adding an event type means adding seed rows
    and one small model that calls `telemetry_event_columns('<Event Name>')`.
#}

{# A SQL string literal. #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{# Segment's table name for an event: snake case ("Model NLU Tested" -> model_nlu_tested).
   Mirrors loaders.spec.event_slug. #}
{% macro event_slug(event_expr) -%}
    trim(regexp_replace(lower(trim({{ event_expr }})), '[^a-z0-9]+', '_', 'g'), '_')
{%- endmacro %}

{# A deterministic text key from several columns (md5 of the '|'-joined values). #}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns -%}
        , coalesce(cast({{ column }} as varchar), '')
    {%- endfor -%}
    ))
{%- endmacro %}

{# The spec seed's table in the warehouse (execution time only). Unit tests get no project
   graph; there the seed is looked up in the target schema, where it is built. #}
{% macro telemetry_spec_relation() -%}
    {%- for node in (graph.nodes or {}).values() -%}
        {%- if node.resource_type == 'seed' and node.name == 'telemetry_event_properties' -%}
            {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='telemetry_event_properties'
    )) }}
{%- endmacro %}

{# The spec rows of one event, in seed order, as an agate table (property, json_type, nullable). #}
{% macro telemetry_spec_rows(event, spec_relation) -%}
    {%- set query -%}
        select property, json_type, nullable
        from {{ spec_relation }}
        where event = {{ sql_string(event) }}
        order by rowid
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {{ exceptions.raise_compiler_error("event '" ~ event ~ "' is not in the spec seed telemetry_event_properties") }}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}

{#
    The select list of a per-event staging model: the envelope, then one column per spec property
    named exactly as the property and typed per the spec (NULL when the JSON type does not match),
    plus `<property>_component_names` for arrays of config objects (pipeline, policies).
    Reads the seed at execution time; at parse time (and under sqlfluff) only the envelope renders.
#}
{% macro telemetry_event_columns(event, properties_column='properties') -%}
    {#- the ref records the dependency on the seed; the query reads the built seed table itself,
        which also works in unit tests, where ref() points at a fixture CTE -#}
    {%- set spec_ref = ref('telemetry_event_properties') -%}
    {#- the envelope: the columns of stg_telemetry__events except `properties`
        (the columns_match_spec test checks this list against the model) -#}
    {%- set columns = [
        "message_id",
        "user_id",
        "load_id",
        "event",
        "event_slug",
        "message_type",
        "event_at_source",
        "rasa_version",
        "python_version",
        "os_name",
        "os_version",
        "project_fingerprint",
        "directory_hash",
        "license_hash",
        "library_name",
        "source_file",
        "cpu_count",
        "gpu_count",
        "line_number",
        "is_ci",
        "is_docker",
        "is_generated_message_id",
        "event_at",
        "received_at",
    ] -%}
    {%- if execute -%}
        {%- for row in telemetry_spec_rows(event, telemetry_spec_relation()) -%}
            {%- set path = json_key_path(row['property']) -%}
            {%- do columns.append(
                json_typed_value(properties_column, path, row['json_type'])
                ~ " as " ~ adapter.quote(row['property'])
            ) -%}
            {%- if row['json_type'] == 'array<object>' -%}
                {%- do columns.append(
                    json_component_names(properties_column, path)
                    ~ " as " ~ adapter.quote(row['property'] ~ '_component_names')
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ columns | join(",\n        ") }}
{%- endmacro %}
