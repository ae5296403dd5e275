{#
    Apache Spark implementations of the JSON macros of macros/json.sql (README "Running on Spark").

    On Spark a JSON column is a STRING holding the JSON text (raw.events stores it so). Typing reads each
    value as a VARIANT (Spark 4), whose schema_of_variant() tells the JSON type exactly as DuckDB's
    json_type() does: a string "12" is STRING, 12 is BIGINT, 12.5 is DECIMAL(3,1), 1e5 is DOUBLE.

    json_object_fields gives, per key, NULL (absent or JSON null) or a struct of
      value: the key's VARIANT, from one try_parse_json of the document (NULL when it is not valid JSON);
      json:  the key's JSON text as DuckDB writes it: a scalar's to_json(value), an object's or array's
             text from a second from_json with STRING fields, which keeps the keys in the order sent
             (a VARIANT sorts an object's keys).
#}

{% macro spark__json_object_fields(json_expr, keys) -%}
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
    {%- set text_schema = [] -%}
    {%- for outer in order -%}
        {%- do text_schema.append('`' ~ outer ~ '`: string') -%}
    {%- endfor -%}
    {%- set document = "try_parse_json(" ~ json_expr ~ ")" -%}
    {%- set texts = "from_json(" ~ json_expr ~ ", 'struct<" ~ text_schema | join(', ') ~ ">')" -%}
    {%- set fields = [] -%}
    {%- for outer in order -%}
        {%- set outer_value = "try_variant_get(" ~ document ~ ", '$." ~ outer ~ "', 'variant')" -%}
        {%- set outer_text = texts ~ "['" ~ outer ~ "']" -%}
        {%- if nested[outer] -%}
            {%- set inner = [] -%}
            {%- for key in nested[outer] -%}
                {%- set value = "try_variant_get(" ~ outer_value ~ ", '$." ~ key ~ "', 'variant')" -%}
                {%- set text = "get_json_object(" ~ outer_text ~ ", '$." ~ key ~ "')" -%}
                {%- do inner.append("'" ~ key ~ "', " ~ spark__json_field(value, text)) -%}
            {%- endfor -%}
            {%- do fields.append("'" ~ outer ~ "', named_struct(" ~ inner | join(', ') ~ ")") -%}
        {%- else -%}
            {%- do fields.append("'" ~ outer ~ "', " ~ spark__json_field(outer_value, outer_text)) -%}
        {%- endif -%}
    {%- endfor -%}
    named_struct({{ fields | join(',\n        ') }})
{%- endmacro %}

{#- One key's value (see above): NULL when absent or JSON null, else (value, json). -#}
{% macro spark__json_field(value, text) -%}
    case
        when {{ value }} is not null and not is_variant_null({{ value }})
            then named_struct(
                'value', {{ value }},
                'json', case
                    when schema_of_variant({{ value }}) like 'OBJECT%' or schema_of_variant({{ value }}) like 'ARRAY%'
                        then {{ text }}
                    else to_json({{ value }})
                end
            )
    end
{%- endmacro %}

{% macro spark__json_value_text(value) -%}
    {{ value }}['json']
{%- endmacro %}

{% macro spark__as_json(expr) -%}
    cast({{ expr }} as string)
{%- endmacro %}

{% macro spark__json_object_keys(json_expr) -%}
    json_object_keys({{ json_expr }})
{%- endmacro %}

{% macro spark__json_is_object(json_expr) -%}
    coalesce(left(trim(leading concat(' ', chr(9), chr(10), chr(13)) from {{ json_expr }}), 1) = '{', false)
{%- endmacro %}

{#- The typing rules of duckdb__json_typed_value in schema_of_variant() names: an integer is BIGINT (a larger
    one is a DECIMAL(p,0), which does not fit BIGINT either: NULL), a number any of BIGINT, DECIMAL, DOUBLE. -#}
{% macro spark__json_typed_value(value, json_type) -%}
    {%- set v = value ~ "['value']" -%}
    {%- set schema = "schema_of_variant(" ~ v ~ ")" -%}
    {%- set elements = "variant_get(" ~ v ~ ", '$', 'array<variant>')" -%}
    {%- if json_type == 'integer' -%}
        case when {{ schema }} = 'BIGINT' then variant_get({{ v }}, '$', 'bigint') end
    {%- elif json_type == 'number' -%}
        case
            when {{ schema }} in ('BIGINT', 'DOUBLE') or {{ schema }} like 'DECIMAL(%'
                then variant_get({{ v }}, '$', 'double')
        end
    {%- elif json_type == 'boolean' -%}
        case when {{ schema }} = 'BOOLEAN' then variant_get({{ v }}, '$', 'boolean') end
    {%- elif json_type == 'string' -%}
        case when {{ schema }} = 'STRING' then variant_get({{ v }}, '$', 'string') end
    {%- elif json_type == 'array<string>' -%}
        case
            when {{ schema }} like 'ARRAY%' and forall({{ elements }}, element -> schema_of_variant(element) = 'STRING')
                then variant_get({{ v }}, '$', 'array<string>')
        end
    {%- elif json_type == 'array<object>' -%}
        case
            when {{ schema }} like 'ARRAY%' and forall({{ elements }}, element -> schema_of_variant(element) like 'OBJECT%')
                then {{ value }}['json']
        end
    {%- elif json_type == 'object' -%}
        case when {{ schema }} like 'OBJECT%' then {{ value }}['json'] end
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown spec json_type '" ~ json_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_component_names(value) -%}
    transform(
        from_json({{ value }}, 'array<struct<name: variant>>'),
        component -> case
            when schema_of_variant(component['name']) = 'STRING' then variant_get(component['name'], '$', 'string')
        end
    )
{%- endmacro %}

{% macro spark__json_type_violations(properties_expr, checks) -%}
    {%- set root = "not " ~ spark__json_is_object(properties_expr) -%}
    {%- set conditions = [root] -%}
    {%- set entries = [] -%}
    {%- do entries.append("case when " ~ root ~ " then "
        ~ spark__json_type_violation_struct("'$'", 'object', false, "cast(" ~ properties_expr ~ " as string)") ~ " end") -%}
    {%- for condition, property, expected_type, nullable, raw_value in checks -%}
        {%- do conditions.append("(" ~ condition ~ ")") -%}
        {%- do entries.append("case when " ~ condition ~ " then "
            ~ spark__json_type_violation_struct(
                "'" ~ property | replace("'", "\\'") ~ "'", expected_type, nullable, raw_value
            ) ~ " end") -%}
    {%- endfor -%}
    case
        when {{ conditions | join("\n            or ") }}
            then filter(
                array(
                    {{ entries | join(",\n                    ") }}
                ),
                violation -> violation is not null
            )
    end
{%- endmacro %}

{% macro spark__json_type_violation_struct(property_literal, expected_type, nullable, raw_value) -%}
    named_struct('property', {{ property_literal }}, 'expected_type', '{{ expected_type }}', 'is_nullable', {{ 'true' if nullable else 'false' }}, 'raw_value', {{ raw_value }})
{%- endmacro %}

{#- json_type_label of a JSON text: DuckDB's UBIGINT (an integer above 2**63-1) is a DECIMAL(p,0) here. -#}
{% macro spark__json_type_label(json_expr) -%}
    {%- set v = "try_parse_json(" ~ json_expr ~ ")" -%}
    {%- set schema = "schema_of_variant(" ~ v ~ ")" -%}
    {%- set elements = "array_distinct(transform(variant_get(" ~ v ~ ", '$', 'array<variant>'), element -> "
        ~ "case when schema_of_variant(element) rlike '^DECIMAL\\\\([0-9]+,0\\\\)$' then 'BIGINT' "
        ~ "when schema_of_variant(element) like 'DECIMAL%' then 'DOUBLE' "
        ~ "else regexp_extract(schema_of_variant(element), '^[A-Z]+', 0) end))" -%}
    case
        when {{ schema }} = 'BIGINT' or {{ schema }} rlike '^DECIMAL\\([0-9]+,0\\)$' then 'integer'
        when {{ schema }} = 'DOUBLE' or {{ schema }} like 'DECIMAL%' then 'number'
        when {{ schema }} = 'BOOLEAN' then 'boolean'
        when {{ schema }} = 'STRING' then 'string'
        when {{ schema }} = 'VOID' then 'null'
        when {{ schema }} like 'OBJECT%' then 'object'
        when {{ schema }} like 'ARRAY%' then
            case
                when size({{ elements }}) = 0 then 'array<empty>'
                when forall({{ elements }}, element -> element = 'STRING') then 'array<string>'
                when forall({{ elements }}, element -> element = 'OBJECT') then 'array<object>'
                when forall({{ elements }}, element -> element = 'BIGINT') then 'array<integer>'
                when forall({{ elements }}, element -> element in ('BIGINT', 'DOUBLE')) then 'array<number>'
                when forall({{ elements }}, element -> element = 'BOOLEAN') then 'array<boolean>'
                when forall({{ elements }}, element -> element = 'ARRAY') then 'array<array>'
                when forall({{ elements }}, element -> element = 'VOID') then 'array<null>'
                else 'array<mixed>'
            end
        else lower({{ schema }})
    end
{%- endmacro %}

{% macro spark__list_contains_value(list_expr, value) -%}
    array_contains({{ list_expr }}, '{{ value | replace("'", "\\'") }}')
{%- endmacro %}

{% macro spark__list_except(list_expr, values) -%}
    case
        when size({{ list_expr }}) > (
            {%- for value in values %}
            cast({{ spark__list_contains_value(list_expr, value) }} as int){{ " +" if not loop.last }}
            {%- endfor %}
        )
            then filter({{ list_expr }}, element -> not array_contains(array('{{ values | join("', '") }}'), element))
    end
{%- endmacro %}

{#- schema_of_variant() names, not DuckDB's json_type() names (BIGINT, DECIMAL(p,s), DOUBLE, STRING, VOID, OBJECT<...>,
    ARRAY<...>). -#}
{% macro spark__json_engine_type(json_expr, path) -%}
    schema_of_variant(try_variant_get(try_parse_json({{ json_expr }}), '{{ path | replace("'", "\\'") }}', 'variant'))
{%- endmacro %}
