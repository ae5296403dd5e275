"""Classify lines into accepted records and rejects in Spark SQL: the DuckDB loader's rules (loaders.classify).

Spark's JSON reader parses each line once (``from_json``, ``PERMISSIVE`` with a corrupt-record column, every
leniency off: RFC 8259), the envelope's scalar keys as ``VARIANT`` (so a number sent as ``event`` is told from
a string) and ``properties`` / ``context`` / ``integrations`` as JSON text. Spark's reader ignores what follows
the first value of a line (``{...}}`` parses), so a line counts as valid JSON only when it is also exactly one
value: ``[<line>,"\\u0000"]`` must have the sentinel as its second element (a line that spells the sentinel
itself is read by Python, see :data:`STRICT`).

The query is built in levels as in loaders.classify: the line -> its envelope and keys -> each key's type and
text -> typed values -> reason and ``extra``.
"""

from __future__ import annotations

from loaders.classify import SEGMENT_TIME
from loaders.schema import ENVELOPE, SECRET_KEY

JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": "_corrupt_record",
    "allowComments": "false",
    "allowUnquotedFieldNames": "false",
    "allowSingleQuotes": "false",
    "allowNumericLeadingZeros": "false",
    "allowNonNumericNumbers": "false",
    "allowBackslashEscapingAnyCharacter": "false",
    "allowUnquotedControlChars": "false",
}
#: SEGMENT_TIME (DuckDB's strftime) in Spark's datetime pattern.
SPARK_SEGMENT_TIME = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
assert SEGMENT_TIME == "%Y-%m-%dT%H:%M:%S.%gZ", "keep SPARK_SEGMENT_TIME in step with loaders.classify"

#: Lines Python must read strictly before Spark classifies them (loaders.lines.check_text): the secret key may
#: hide at any depth or behind an escape (``ey"`` in any case, ``\\u``), an unpaired surrogate escape is not
#: UTF-8 text, and the sentinel of the one-value test is spelled ``\\u0000``.
NEEDLE = "(lower(text) like '%ey\"%' or contains(text, '\\\\u'))"
STRICT = f"not checked and {NEEDLE}"
#: ``NaN`` / ``Infinity`` spellings: DuckDB's reader takes them, so the DuckDB loader rejects such a line with
#: Python's reason; a line Spark rejects with one of them is judged by Python too (loaders.spark.read.judge).
CONSTANTS = "(lower(text) like '%nan%' or lower(text) like '%inf%')"

_OPTIONS = "map(" + ", ".join(f"'{key}', '{value}'" for key, value in JSON_OPTIONS.items()) + ")"
_SCHEMA = (
    "struct<"
    + ", ".join(f"`{key.key}`: {'string' if key.kind == 'json' else 'variant'}" for key in ENVELOPE)
    + ", `_corrupt_record`: string>"
)
_KNOWN = ", ".join(f"'{name}'" for name in [key.key for key in ENVELOPE] + [SECRET_KEY])


#: Whether a line is exactly one JSON value: nothing but whitespace may follow the first (see the module doc).
ONE_VALUE = "coalesce(get_json_object(concat('[', text, ',\"\\\\u0000\"]'), '$[1]') = chr(0), false)"
#: Whether a line that is not an object is RFC 8259 JSON (get_json_object, above, is lenient: single quotes).
_LENIENCIES = _OPTIONS.replace("_corrupt_record", "_unused")  # a corrupt-record column needs a struct
_STRICT_VALUE = f"from_json(concat('[', text, ']'), 'array<variant>', {_LENIENCIES}) is not null"
#: Whether Spark's reader takes a line as valid JSON (an object must parse without a corrupt record).
VALID = f"""({ONE_VALUE} and case when left(ltrim(text), 1) = '{{'
           then from_json(text, '{_SCHEMA}', {_OPTIONS})._corrupt_record is null else {_STRICT_VALUE} end)"""


def _values() -> str:
    """Per envelope key: present (``p_``); for scalar keys the JSON type (``t_``) and text (``s_``)."""
    columns = []
    for key in ENVELOPE:
        c, x = key.column, f"env.`{key.key}`"
        columns.append(f"array_contains(keys, '{key.key}') as p_{c}")
        if key.kind == "json":
            columns.append(f"case when array_contains(keys, '{key.key}') then coalesce({x}, 'null') end as j_{c}")
            continue
        columns.append(f"""case when not array_contains(keys, '{key.key}') then null
                 when {x} is null or is_variant_null({x}) then 'null' else schema_of_variant({x}) end as t_{c}""")
        columns.append(f"""case when {x} is null or is_variant_null({x}) then null
                 when schema_of_variant({x}) = 'STRING' then variant_get({x}, '$', 'string')
                 else to_json({x}) end as s_{c}""")
    return ",\n            ".join(columns)


def _typed() -> str:
    """Each key's typed value ``v_`` and whether its original value round-trips (``x_``; absent counts)."""
    columns = []
    for key in ENVELOPE:
        c, t, s = key.column, f"t_{key.column}", f"s_{key.column}"
        if key.kind == "json":
            columns.append(f"j_{c} as v_{c}")
            continue
        if key.kind == "string":
            value, exact = s, f"{t} = 'STRING'"
        elif key.kind == "integer":
            value = f"case when {t} <> 'STRING' then try_cast({s} as bigint) end"
            exact = f"cast(v_{c} as string) = {s}"
        else:
            # Spark casts years past 9999 to odd instants (DuckDB: NULL, or its own range): no typed value then
            value = f"case when {t} = 'STRING' and {s} rlike '^[0-9]{{4}}-' then try_cast({s} as timestamp) end"
            exact = f'date_format(v_{c}, "{SPARK_SEGMENT_TIME}") = {s}'
        columns.append(f"{value} as v_{c}")
        columns.append(f"(not p_{c} or coalesce({exact.replace(f'v_{c}', f'({value})')}, false)) as x_{c}")
    return ",\n            ".join(columns)


def _why(field: str, name: str) -> str:
    return f"""case when {field} is null then 'no "{name}" (missing or null)'
                    when trim({field}) = '' then '"{name}" is an empty string' end"""


def _extra_keys() -> str:
    inexact = ", ".join(f"case when not x_{key.column} then '{key.key}' end" for key in ENVELOPE if key.kind != "json")
    return f"concat(filter(keys, name -> not array_contains(array({_KNOWN}), name)), " \
           f"filter(array({inexact}), name -> name is not null))"  # fmt: skip


def _json_string(text: str) -> str:
    """A string as JSON text (``to_json`` takes no bare string: quote it inside an array, then unwrap)."""
    return f"substring(to_json(array({text})), 2, length(to_json(array({text}))) - 2)"


#: ``extra``: the line's members named in ``extra_keys``, in the line's order, values as JSON text. A variant
#: tells strings from other values; Spark's string reading of a non-string value (its JSON text) keeps the key
#: order of nested objects, which a variant (sorted keys) would not.
EXTRA = f"""'{{' || array_join(transform(
        filter(map_entries(from_json(text, 'map<string, string>')), member -> array_contains(extra_keys, member.key)),
        member -> {_json_string("member.key")} || ':' || case
            when member.value is null then 'null'
            when schema_of_variant(from_json(text, 'map<string, variant>')[member.key]) = 'STRING'
                then {_json_string("member.value")}
            else member.value end), ',') || '}}'"""

#: A scalar line's JSON type as DuckDB's json_type names it (the not_an_object detail).
SCALAR_TYPE = """case when left(trimmed, 1) = '"' then 'varchar'
    when trimmed in ('true', 'false') then 'boolean' when trimmed = 'null' then 'null'
    when trimmed rlike '^[0-9]+$' and try_cast(trimmed as decimal(38, 0)) <= 18446744073709551615 then 'ubigint'
    when trimmed rlike '^-[0-9]+$' and try_cast(trimmed as bigint) is not null then 'bigint'
    else 'double' end"""


def classify_sql(source: str) -> str:
    """SELECT the classified rows of ``source`` (file_idx, line_number, record_index, text, checked)."""
    typed = ",\n    ".join(f"case when reason is null then v_{key.column} end as `{key.column}`" for key in ENVELOPE)
    return f"""
select
    file_idx, line_number, record_index, reason,
    case reason
        when 'invalid_json' then coalesce(duplicate_detail, 'not valid JSON')
        when 'not_an_object' then 'a JSON ' || case kind when 'array' then 'array' else {SCALAR_TYPE} end
                                  || ', not an object'
        when 'missing_event' then event_problem || coalesce(' (message type ' || s_message_type || ')', '')
        when 'missing_user_id' then user_problem
    end as detail,
    case when reason is not null then text end as raw_line,
    {typed},
    case when reason is null and size(extra_keys) > 0 then {EXTRA} end as extra
from (
    select *,
        case when not valid or duplicate_detail is not null then 'invalid_json'
             when kind <> 'object' then 'not_an_object'
             when event_problem is not null then 'missing_event'
             when user_problem is not null then 'missing_user_id' end as reason,
        case when valid and kind = 'object' then {_extra_keys()} else array() end as extra_keys
    from (
        select *,
            {_typed()},
            {_why("s_event", "event")} as event_problem,
            {_why("s_user_id", "userId")} as user_problem,
            case when size(keys) <> size(array_distinct(keys)) then 'duplicate top-level key (RFC 8259: names '
                 || 'should be unique; which one counts is undefined)' end as duplicate_detail
        from (
            select *,
                {_values()}
            from (
                select *,
                    case when valid and kind = 'object' then coalesce(json_object_keys(text), array())
                         else array() end as keys
                from (
                    select *,
                        {ONE_VALUE}
                        and case when kind = 'object' then env._corrupt_record is null else {_STRICT_VALUE} end
                            as valid
                    from (
                        select *,
                            case left(trimmed, 1) when '{{' then 'object' when '[' then 'array' else 'scalar' end
                                as kind,
                            case when left(trimmed, 1) = '{{' then from_json(text, '{_SCHEMA}', {_OPTIONS}) end
                                as env
                        from (select *, regexp_replace(text, '^[ \\t\\r\\n]+|[ \\t\\r\\n]+$', '') as trimmed
                              from {source})
                    )
                )
            )
        )
    )
)
"""
