{#
    JSON helpers. Every DuckDB-only JSON function used by the models lives here, so moving the
    models to another engine means rewriting these macros, not the models.

    Paths are JSON paths given as jinja strings ("$.os.name"); `json_key_path` builds a quoted
    top-level path for a property name.
#}

{% macro json_key_path(key) -%}
    $."{{ key }}"
{%- endmacro %}

{% macro json_path_literal(path) -%}
    '{{ path | replace("'", "''") }}'
{%- endmacro %}

{# The engine's type name of the value at `path` (DuckDB: BIGINT, UBIGINT, DOUBLE, BOOLEAN,
   VARCHAR, NULL, ARRAY, OBJECT); SQL NULL when the path is absent. #}
{% macro json_engine_type(json_expr, path='$') -%}
    json_type({{ json_expr }}, {{ json_path_literal(path) }})
{%- endmacro %}

{% macro json_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, {{ json_path_literal(path) }})
{%- endmacro %}

{% macro json_value(json_expr, path) -%}
    json_extract({{ json_expr }}, {{ json_path_literal(path) }})
{%- endmacro %}

{# Top-level keys of a JSON object, as a list. #}
{% macro json_object_keys(json_expr) -%}
    json_keys({{ json_expr }})
{%- endmacro %}

{# Table function: one row per top-level entry of a JSON object, with columns key, value (JSON)
   and type (the engine type name of value, as json_engine_type gives it). #}
{% macro json_entries(json_expr) -%}
    json_each({{ json_expr }})
{%- endmacro %}

{#
    The JSON type of the value at `path`, in the spec's vocabulary: integer, number, boolean,
    string, null, object, or array<T> where T is the one element type of the array (string,
    object, integer, number, boolean, array, null), `mixed` for several, `empty` for [].
    SQL NULL when the path is absent.
#}
{% macro json_type_label(json_expr, path='$') -%}
    {%- set elements = "list_distinct(json_type(" ~ json_expr ~ ", " ~ json_path_literal(path ~ "[*]") ~ "))" -%}
    case {{ json_engine_type(json_expr, path) }}
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
        else lower({{ json_engine_type(json_expr, path) }})
    end
{%- endmacro %}

{#
    The staging column type of a spec json_type (mirrors loaders/spec.py SQL_TYPES): with
    `json_type` the type name itself (BIGINT), with `json_type_expr` a SQL case expression over a
    column of json_type values. (Macros here return text, never objects: sqlfluff renders them too.)
#}
{% macro spec_sql_type(json_type=none, json_type_expr=none) -%}
    {%- set sql_types = {
        "integer": "BIGINT",
        "number": "DOUBLE",
        "boolean": "BOOLEAN",
        "string": "VARCHAR",
        "array<string>": "VARCHAR[]",
        "array<object>": "JSON",
        "object": "JSON",
    } -%}
    {%- if json_type is not none -%}
        {%- if json_type not in sql_types -%}
            {{ exceptions.raise_compiler_error("unknown spec json_type '" ~ json_type ~ "'") }}
        {%- endif -%}
        {{ sql_types[json_type] }}
    {%- else -%}
        case {{ json_type_expr }}
        {%- for spec_type, sql_type in sql_types.items() %}
            when '{{ spec_type }}' then '{{ sql_type }}'
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{#
    SQL boolean: does the JSON value satisfy a spec json_type? `engine_type_expr` is the engine's
    type name of the value (json_engine_type, or the `type` column of json_entries); array types
    also check every element of the value at `path` inside `value_expr`. An integer is a valid
    number and an empty array a valid array of anything; nothing else is coerced, and a null
    never matches here (callers decide about nullable properties).
    Give either `json_type` (a literal spec type: emits only its check, as staging does) or
    `json_type_expr` (a SQL expression: emits a case over every spec type, as the quality model
    does with the seed's column). One rule table serves both, so they cannot disagree.
#}
{% macro json_matches_spec(engine_type_expr, value_expr, path='$', json_type=none, json_type_expr=none) -%}
    {#- spec json_type: (accepted engine types of the value, accepted engine types of its elements) -#}
    {%- set rules = {
        "integer": (["BIGINT", "UBIGINT"], none),
        "number": (["BIGINT", "UBIGINT", "DOUBLE"], none),
        "boolean": (["BOOLEAN"], none),
        "string": (["VARCHAR"], none),
        "array<string>": (["ARRAY"], ["VARCHAR"]),
        "array<object>": (["ARRAY"], ["OBJECT"]),
        "object": (["OBJECT"], none),
    } -%}
    {%- set checks = {} -%}
    {%- for spec_type, rule in rules.items() -%}
        {%- set check = engine_type_expr ~ " in ('" ~ rule[0] | join("', '") ~ "')" -%}
        {%- if rule[1] is not none -%}
            {%- set check = check ~ " and list_has_all(['" ~ rule[1] | join("', '") ~ "'], json_type("
                ~ value_expr ~ ", " ~ json_path_literal(path ~ "[*]") ~ "))" -%}
        {%- endif -%}
        {%- do checks.update({spec_type: "(" ~ check ~ ")"}) -%}
    {%- endfor -%}
    {%- if json_type is not none -%}
        {%- if json_type not in checks -%}
            {{ exceptions.raise_compiler_error("unknown spec json_type '" ~ json_type ~ "'") }}
        {%- endif -%}
        {{ checks[json_type] }}
    {%- else -%}
        case {{ json_type_expr }}
        {%- for spec_type, check in checks.items() %}
            when '{{ spec_type }}' then {{ check }}
        {%- endfor %}
            else false
        end
    {%- endif -%}
{%- endmacro %}

{#
    The value at `path`, typed per the spec's json_type, or NULL when its JSON type does not
    satisfy the spec (no "12" -> 12, no 12.5 -> 12, no "false" -> false, no 1 -> true).
#}
{% macro json_typed_value(json_expr, path, json_type) -%}
    {%- set sql_type = spec_sql_type(json_type) -%}
    {%- if json_type in ("integer", "number", "boolean") -%}
        {%- set typed = "try_cast(" ~ json_text(json_expr, path) ~ " as " ~ sql_type ~ ")" -%}
    {%- elif json_type == "string" -%}
        {%- set typed = json_text(json_expr, path) -%}
    {%- elif json_type == "array<string>" -%}
        {%- set typed = json_text(json_expr, path ~ "[*]") -%}
    {%- else -%}
        {%- set typed = json_value(json_expr, path) -%}
    {%- endif -%}
    case
        when {{ json_matches_spec(json_engine_type(json_expr, path), json_expr, path, json_type=json_type) }}
            then {{ typed }}
    end
{%- endmacro %}

{#
    For an array of config objects (pipeline, policies): the `name` of each object, in order;
    NULL for an element whose name is missing or not a string. NULL unless the value is an array
    of objects.
#}
{% macro json_component_names(json_expr, path) -%}
    case
        when {{ json_matches_spec(json_engine_type(json_expr, path), json_expr, path, json_type="array<object>") }}
            then list_transform(
                json_extract({{ json_expr }}, {{ json_path_literal(path ~ "[*]") }}),
                lambda component: case
                    when json_type(component, '$.name') = 'VARCHAR'
                        then json_extract_string(component, '$.name')
                end
            )
    end
{%- endmacro %}
