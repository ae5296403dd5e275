{#
    JSON access. Every engine-specific JSON function the models use is here, behind
    adapter.dispatch: a port to another engine adds `<adapter>__<macro>` implementations and
    leaves the models alone. What is typed as what comes from the generated staging models
    (`python -m common generate`, from common/json_types.py), never from a map kept here.

    The staging models parse each JSON document once (json_object_fields) and then work on
    the small per-key values it returns. At lint time sqlfluff renders the duckdb__ versions
    (sqlfluff_libs/adapter.py).
#}

{#- One struct field per key, each the key's JSON value (SQL NULL when the key is absent or its
    value is JSON null), from a single parse of `json_expr`. A key may be `outer.inner` (one level
    of nesting): the struct then has a field `outer` holding a struct with a field `inner`. A value
    that is not an object gives NULL fields. -#}
{% macro json_object_fields(json_expr, keys) -%}
    {{ adapter.dispatch('json_object_fields', 'rasa_telemetry')(json_expr, keys) }}
{%- endmacro %}

{% macro duckdb__json_object_fields(json_expr, keys) -%}
    {%- set nested = {} -%}
    {%- set order = [] -%}
    {%- for key in keys -%}
        {%- set parts = key.split('.') -%}
        {%- if parts | length > 2 -%}
            {{ exceptions.raise_compiler_error("json_object_fields: one level of nesting at most: '" ~ key ~ "'") }}
        {%- endif -%}
        {%- if parts[0] not in nested -%}
            {%- do nested.update({parts[0]: []}) -%}
            {%- do order.append(parts[0]) -%}
        {%- endif -%}
        {%- if parts | length == 2 -%}
            {%- do nested[parts[0]].append(parts[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set fields = [] -%}
    {%- for outer in order -%}
        {%- if nested[outer] -%}
            {%- set inner = [] -%}
            {%- for key in nested[outer] -%}
                {%- do inner.append(key | tojson ~ ': "JSON"') -%}
            {%- endfor -%}
            {%- do fields.append(outer | tojson ~ ': {' ~ inner | join(', ') ~ '}') -%}
        {%- else -%}
            {%- do fields.append(outer | tojson ~ ': "JSON"') -%}
        {%- endif -%}
    {%- endfor -%}
    from_json({{ json_expr }}, '{{ "{" ~ fields | join(", ") ~ "}" }}')
{%- endmacro %}

{#- The JSON text of a value of json_object_fields (SQL NULL for SQL NULL). -#}
{% macro json_value_text(value) -%}
    {{ adapter.dispatch('json_value_text', 'rasa_telemetry')(value) }}
{%- endmacro %}

{% macro duckdb__json_value_text(value) -%}
    cast({{ value }} as varchar)
{%- endmacro %}

{#- A text holding a JSON document, as the engine's JSON column type (DuckDB: JSON; Spark: STRING). -#}
{% macro as_json(expr) -%}
    {{ adapter.dispatch('as_json', 'rasa_telemetry')(expr) }}
{%- endmacro %}

{% macro duckdb__as_json(expr) -%}
    cast({{ expr }} as json)
{%- endmacro %}

{#- The top-level keys of a JSON object, in order, as a list (empty for anything but an object). -#}
{% macro json_object_keys(json_expr) -%}
    {{ adapter.dispatch('json_object_keys', 'rasa_telemetry')(json_expr) }}
{%- endmacro %}

{% macro duckdb__json_object_keys(json_expr) -%}
    json_keys({{ json_expr }})
{%- endmacro %}

{#- True when the JSON document is an object, false otherwise (also for SQL NULL). Read from the
    first non-blank character, which for valid JSON decides it, so the document is not parsed again. -#}
{% macro json_is_object(json_expr) -%}
    {{ adapter.dispatch('json_is_object', 'rasa_telemetry')(json_expr) }}
{%- endmacro %}

{% macro duckdb__json_is_object(json_expr) -%}
    coalesce(left(ltrim(cast({{ json_expr }} as varchar), chr(32) || chr(9) || chr(10) || chr(13)), 1) = '{', false)
{%- endmacro %}

{#- The engine's type name of a JSON value (DuckDB: BIGINT, UBIGINT, DOUBLE, BOOLEAN, VARCHAR,
    NULL, ARRAY, OBJECT), or of the value at `path` inside it; SQL NULL when absent. -#}
{% macro json_engine_type(json_expr, path='$') -%}
    {{ adapter.dispatch('json_engine_type', 'rasa_telemetry')(json_expr, path) }}
{%- endmacro %}

{% macro duckdb__json_engine_type(json_expr, path) -%}
    json_type({{ json_expr }}, '{{ path | replace("'", "''") }}')
{%- endmacro %}

{#-
    A JSON value typed per a spec `json_type` (integer, number, boolean, string, array<string>,
    array<object>, object), or NULL when its engine type does not satisfy the type (for arrays:
    when an element's does not): no "12" -> 12, no 12.5 -> 12, no "false" -> false, no 1 -> true.
-#}
{% macro json_typed_value(value, json_type) -%}
    {{ adapter.dispatch('json_typed_value', 'rasa_telemetry')(value, json_type) }}
{%- endmacro %}

{#- Per spec json_type: the staging column type, the json_type() results a value must have, and for
    arrays the json_type() results every element must have (an empty array has none and passes). The
    column type decides the conversion: varchar unquotes a JSON string, varchar[] each element, json
    keeps the value, anything else is a cast (NULL when the value does not fit, e.g. beyond bigint). -#}
{% macro duckdb__json_typed_value(value, json_type) -%}
    {#- BEGIN GENERATED json_types (python -m common generate, from common/json_types.py) #}
    {%- set rules = {
        'integer': ('bigint', ['BIGINT', 'UBIGINT'], none),
        'number': ('double', ['BIGINT', 'UBIGINT', 'DOUBLE'], none),
        'boolean': ('boolean', ['BOOLEAN'], none),
        'string': ('varchar', ['VARCHAR'], none),
        'array<string>': ('varchar[]', ['ARRAY'], ['VARCHAR']),
        'array<object>': ('json', ['ARRAY'], ['OBJECT']),
        'object': ('json', ['OBJECT'], none),
    } -%}
    {#- END GENERATED json_types #}
    {%- if json_type not in rules -%}
        {{ exceptions.raise_compiler_error("unknown spec json_type '" ~ json_type ~ "'") }}
    {%- endif -%}
    {%- set sql_type, engine_types, element_types = rules[json_type] -%}
    {%- if sql_type == 'varchar' -%}
        {%- set converted = "json_extract_string(" ~ value ~ ", '$')" -%}
    {%- elif sql_type == 'varchar[]' -%}
        {%- set converted = "json_extract_string(" ~ value ~ ", '$[*]')" -%}
    {%- elif sql_type == 'json' -%}
        {%- set converted = value -%}
    {%- else -%}
        {%- set converted = "try_cast(" ~ value ~ " as " ~ sql_type ~ ")" -%}
    {%- endif -%}
    case
        when
            json_type({{ value }}) in ('{{ engine_types | join("', '") }}')
            {%- if element_types is not none %}
            and list_has_all(['{{ element_types | join("', '") }}'], json_type({{ value }}, '$[*]'))
            {%- endif %}
            then {{ converted }}
    end
{%- endmacro %}

{#- For an array of config objects (pipeline, policies), already typed as JSON: the `name` of
    each object, in order; NULL for an element whose name is missing or not a string (a JSON value
    as from_json writes it starts with '"' exactly when it is a string). -#}
{% macro json_component_names(value) -%}
    {{ adapter.dispatch('json_component_names', 'rasa_telemetry')(value) }}
{%- endmacro %}

{% macro duckdb__json_component_names(value) -%}
    list_transform(
        from_json({{ value }}, '[{"name": "JSON"}]'),
        lambda component: case
            when left(cast(component['name'] as varchar), 1) = '"'
                then json_extract_string(component['name'], '$')
        end
    )
{%- endmacro %}

{#-
    The type violations typing found in one row, as a list of structs (property, expected_type,
    is_nullable, raw_value), NULL when there is none. `checks` has one entry per spec property:
    (condition, property, expected_type, nullable, raw_value), the condition being true when the
    property is a violation (see property_type_violations); `properties_expr` adds a '$' entry when
    the event's properties are not a JSON object at all. Rows without a violation (almost all) only
    evaluate the conditions; the list is built for the others.
-#}
{% macro json_type_violations(properties_expr, checks) -%}
    {{ adapter.dispatch('json_type_violations', 'rasa_telemetry')(properties_expr, checks) }}
{%- endmacro %}

{% macro duckdb__json_type_violations(properties_expr, checks) -%}
    {%- set root = "not " ~ json_is_object(properties_expr) -%}
    {%- set conditions = [root] -%}
    {%- set entries = [] -%}
    {%- do entries.append("case when " ~ root ~ " then "
        ~ duckdb__json_type_violation_struct("'$'", 'object', false, "cast(" ~ properties_expr ~ " as varchar)") ~ " end") -%}
    {%- for condition, property, expected_type, nullable, raw_value in checks -%}
        {%- do conditions.append("(" ~ condition ~ ")") -%}
        {%- do entries.append("case when " ~ condition ~ " then "
            ~ duckdb__json_type_violation_struct(
                "'" ~ property | replace("'", "''") ~ "'", expected_type, nullable, raw_value
            ) ~ " end") -%}
    {%- endfor -%}
    case
        when {{ conditions | join("\n            or ") }}
            then list_filter(
                [
                    {{ entries | join(",\n                    ") }}
                ],
                lambda violation: violation is not null
            )
    end
{%- endmacro %}

{% macro duckdb__json_type_violation_struct(property_literal, expected_type, nullable, raw_value) -%}
    {'property': {{ property_literal }}, 'expected_type': '{{ expected_type }}', 'is_nullable': {{ 'true' if nullable else 'false' }}, 'raw_value': {{ raw_value }}}
{%- endmacro %}

{#-
    The JSON type of a value in the spec's vocabulary: integer, number, boolean, string, null,
    object, or array<T> where T is the one element type of the array (string, object, integer,
    number, boolean, array, null), `mixed` for several, `empty` for []. SQL NULL for SQL NULL.
-#}
{% macro json_type_label(json_expr) -%}
    {{ adapter.dispatch('json_type_label', 'rasa_telemetry')(json_expr) }}
{%- endmacro %}

{% macro duckdb__json_type_label(json_expr) -%}
    {%- set elements = "list_distinct(json_type(" ~ json_expr ~ ", '$[*]'))" -%}
    case json_type({{ json_expr }})
        when 'BIGINT' then 'integer'
        when 'UBIGINT' then 'integer'
        when 'DOUBLE' then 'number'
        when 'BOOLEAN' then 'boolean'
        when 'VARCHAR' then 'string'
        when 'NULL' then 'null'
        when 'OBJECT' then 'object'
        when 'ARRAY' then
            case
                when len({{ elements }}) = 0 then 'array<empty>'
                when list_has_all(['VARCHAR'], {{ elements }}) then 'array<string>'
                when list_has_all(['OBJECT'], {{ elements }}) then 'array<object>'
                when list_has_all(['BIGINT', 'UBIGINT'], {{ elements }}) then 'array<integer>'
                when list_has_all(['BIGINT', 'UBIGINT', 'DOUBLE'], {{ elements }}) then 'array<number>'
                when list_has_all(['BOOLEAN'], {{ elements }}) then 'array<boolean>'
                when list_has_all(['ARRAY'], {{ elements }}) then 'array<array>'
                when list_has_all(['NULL'], {{ elements }}) then 'array<null>'
                else 'array<mixed>'
            end
        else lower(json_type({{ json_expr }}))
    end
{%- endmacro %}

{#-
    Shorthands for the generated stg_telemetry__<event_slug> models, which parse `properties` once
    into `property_values` (a struct: each spec property's JSON value, SQL NULL when absent or JSON
    null) and `property_keys` (every key sent), and name each typed column as its property.
    (They live in this file because sqlfluff's macro loader lets a macro call only macros of its own file.)
-#}
{% macro typed_property(key, json_type) -%}
    {{ json_typed_value("property_values['" ~ key ~ "']", json_type) }}
{%- endmacro %}

{#- The row's type violations (json_type_violations). `properties` lists (key, json_type, nullable)
    per spec property. A property is a violation when it was sent but its typed column is NULL (a JSON
    type that does not match, or a value that does not fit), or, when not nullable, sent as JSON null;
    an absent key is fine (older releases do not send newer properties). -#}
{% macro property_type_violations(properties) -%}
    {%- set checks = [] -%}
    {%- for key, json_type, nullable in properties -%}
        {%- set value = "property_values['" ~ key ~ "']" -%}
        {%- if nullable -%}
            {%- set condition = key ~ " is null and " ~ value ~ " is not null" -%}
        {%- else -%}
            {%- set condition = key ~ " is null and " ~ list_contains_value('property_keys', key) -%}
        {%- endif -%}
        {%- set raw_value = "coalesce(" ~ json_value_text(value) ~ ", 'null')" -%}
        {%- do checks.append((condition, key, json_type, nullable, raw_value)) -%}
    {%- endfor -%}
    {{ json_type_violations('properties', checks) }}
{%- endmacro %}

{#- The keys sent that the spec does not list for the event (NULL when there is none). -#}
{% macro unknown_property_keys(properties) -%}
    {{ list_except('property_keys', properties) }}
{%- endmacro %}

{#- True when a list of strings holds `value`. -#}
{% macro list_contains_value(list_expr, value) -%}
    {{ adapter.dispatch('list_contains_value', 'rasa_telemetry')(list_expr, value) }}
{%- endmacro %}

{% macro duckdb__list_contains_value(list_expr, value) -%}
    list_contains({{ list_expr }}, '{{ value | replace("'", "''") }}')
{%- endmacro %}

{#- The elements of a list of strings that are not among `values`, NULL when there is none. Most rows
    have none: they only count their known elements (len(list) = number of values it contains). -#}
{% macro list_except(list_expr, values) -%}
    {{ adapter.dispatch('list_except', 'rasa_telemetry')(list_expr, values) }}
{%- endmacro %}

{% macro duckdb__list_except(list_expr, values) -%}
    case
        when len({{ list_expr }}) > (
            {%- for value in values %}
            cast({{ duckdb__list_contains_value(list_expr, value) }} as integer){{ " +" if not loop.last }}
            {%- endfor %}
        )
            then list_filter({{ list_expr }}, lambda element: not list_contains(['{{ values | join("', '") }}'], element))
    end
{%- endmacro %}
