"""Classify lines into accepted records and rejects, in one DuckDB pass per source (SQL only).

Each line is parsed once into the envelope (``from_json`` with every envelope key as JSON) and its key list
(``json_keys``). A string key is read as text (a number sent as ``event`` or ``userId`` is accepted as its
text, and dbt and GX report it) while a missing, null or empty one is rejected. A value that does not
round-trip through its typed column, and every key outside the envelope, go to ``extra`` (loaders.schema).

Rows the SQL cannot judge exactly are flagged ``needs_python`` and re-read strictly in Python
(loaders.lines): DuckDB's reader accepts ``NaN``/``Infinity`` and trailing commas (RFC 8259 does not), and a
``writeKey`` may hide at any depth or behind a JSON escape.

The query is built in levels, each reading the one below: the line -> its envelope and keys -> each key's
JSON and text -> typed values -> reason and ``extra``.
"""

from __future__ import annotations

from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from loaders.schema import ENVELOPE, SECRET_KEY, quote

#: Segment's timestamp text (wire-format.md §5): ISO-8601 UTC with milliseconds.
SEGMENT_TIME = "%Y-%m-%dT%H:%M:%S.%gZ"
#: Event times before this, or more than a day after the load, are not believed (README "Event time").
EARLIEST_EVENT_AT = "2015-01-01"

_ENV_JSON = "{" + ",".join(f'"{key.key}":"JSON"' for key in ENVELOPE) + "}"
_ENVELOPE_KEYS = ", ".join(f"'{key.key}'" for key in ENVELOPE)
_KNOWN = f"[{_ENVELOPE_KEYS}, '{SECRET_KEY}']"


def needs_python(max_depth: int) -> str:
    """Lines DuckDB read that Python must read strictly (loaders.lines.check_text).

    DuckDB's reader is more lenient than RFC 8259 (``NaN``/``Infinity`` in any case, trailing commas) and the
    secret key may hide at any depth or behind an escape. Cheap, sound filters: a line whose length differs from
    the minified length of what DuckDB parsed has whitespace, escapes, a trailing comma or an odd number format;
    a line with a key that is not an envelope key with a value (``present``: unknown, ``null`` or repeated) is
    read in Python too; one case-insensitive pattern finds the needles: ``ey"`` (the secret's key) and
    ``nan``/``inf`` where a value starts (in a line of the minified length, a literal can be nowhere else); a line
    with more than ``max_depth`` brackets may be too deep.
    """
    lengths = " + ".join(f"coalesce(strlen(j_{key.column}::varchar) + {len(key.key) + 4}, 0)" for key in ENVELOPE)
    return f"""(
        line_bytes <> 1 + {lengths}
        or len(keys) <> present
        or regexp_matches(text, '(?i)ey"|[:,\\[-](nan|inf)')
        or len(string_split(text, '{{')) + len(string_split(text, '[')) > {max_depth} + 2
    )"""


def _text(json_value: str) -> str:
    """A JSON value as text: a string's content (unescaped), any other value's JSON text."""
    return f"""case when {json_value} is null then null
                 when not starts_with({json_value}, '"') then {json_value}::varchar
                 when contains({json_value}, '\\') then json_extract_string({json_value}, '$')
                 else trim({json_value}, '"') end"""


def _level_values() -> str:
    """Each envelope key's value as JSON (``j_``) and, for scalar keys, as text (``s_``)."""
    columns = []
    for key in ENVELOPE:
        columns.append(f'env."{key.key}" as j_{key.column}')
        if key.kind != "json":
            columns.append(f"{_text(f'j_{key.column}')} as s_{key.column}")
    present = " + ".join(f"(j_{key.column} is not null)::int" for key in ENVELOPE)
    columns.append(f"{present} as present")  # envelope keys with a value: ``keys`` has no other key when equal
    return ",\n                ".join(columns)


def _level_typed() -> str:
    """Each envelope key's typed value ``v_``: a JSON ``null`` of a JSON key stays JSON ``null``."""
    columns = []
    for key in ENVELOPE:
        j, s = f"j_{key.column}", f"s_{key.column}"
        if key.kind == "json":  # from_json gives SQL NULL for a JSON null: the key list tells it from absent
            value = f"case when {j} is not null then {j} when list_contains(keys, '{key.key}') then 'null'::json end"
        elif key.kind == "string":
            value = s
        elif key.kind == "integer":
            value = f"case when left({j}, 1) <> '\"' then try_cast({s} as bigint) end"
        else:
            value = f"""case when left({j}, 1) <> '"' then null
                 when ends_with({s}, 'Z') then try_cast({s} as timestamp)
                 else timezone('UTC', try_cast({s} as timestamptz)) end"""
        columns.append(f"{value} as v_{key.column}")
    return ",\n            ".join(columns)


def _exact(kind: str, column: str, name: str, precise: bool) -> str | None:
    """Whether a scalar key's original value round-trips through its typed column (absent counts as exact).

    Not ``precise``: assumes no key is a JSON ``null`` (then absent <=> SQL NULL), which ``_extra_keys``
    checks by counting keys; ``precise`` asks the key list, for the rare rows that need it.
    """
    j, s, v = f"j_{column}", f"s_{column}", f"v_{column}"
    absent = f"({j} is null and not list_contains(keys, '{name}'))" if precise else f"{j} is null"
    if kind == "string":
        return f"coalesce({absent} or left({j}, 1) = '\"', false)"
    if kind == "integer":
        return f"coalesce({absent} or {v}::varchar = {s}, false)"
    if kind == "timestamp":
        return f"coalesce({absent} or strftime({v}, '{SEGMENT_TIME}') = {s}, false)"
    return None


def _extra_keys() -> tuple[str, str]:
    """Whether ``extra`` is needed (cheap: no list work for the common row), and the keys it keeps: every key
    outside the envelope, and the envelope keys whose value does not round-trip."""
    quick = " and ".join(test for key in ENVELOPE if (test := _exact(key.kind, key.column, key.key, False)))
    needed = f"len(keys) <> present or not ({quick})"
    inexact = ", ".join(
        f"case when not ({test}) then '{key.key}' end"
        for key in ENVELOPE
        if (test := _exact(key.kind, key.column, key.key, True))
    )
    unknown = f"list_filter(keys, name -> not list_contains({_KNOWN}, name))"
    return needed, f"{unknown} || list_filter([{inexact}], name -> name is not null)"


def _why(field: str, name: str) -> str:
    """Why an envelope field is unusable; NULL when it is a non-empty value (a number counts as text)."""
    return f"""case
        when {field} is null then 'no "{name}" (missing or null)'
        when trim({field}) = '' then '"{name}" is an empty string'
    end"""


def classify_sql(source: str) -> str:
    """INSERT INTO classified from ``source`` (file_idx, line_number, record_index, kind, line, raw_text, valid,
    checked): ``line`` is the JSON (NULL when unreadable), ``raw_text`` the text where it is not ``line``.

    ``checked`` rows were read strictly in Python already. Everything is computed in one parallel pass.
    """
    typed = ",\n    ".join(
        f"case when reason is null then v_{key.column} end as {quote(key.column)}" for key in ENVELOPE
    )
    return f"""
insert into classified
select
    file_idx, line_number, record_index, reason,
    case reason
        when 'invalid_json' then coalesce(duplicate_detail, 'not valid JSON')
        when 'not_an_object' then 'a JSON ' || lower(coalesce(json_type(line), 'value')) || ', not an object'
        when 'missing_event' then event_problem || coalesce(' (message type ' || s_message_type || ')', '')
        when 'missing_user_id' then user_problem
    end as detail,
    case when reason is not null or needs_python then text end as raw_line,
    {typed},
    case when reason is null and len(extra_keys) > 0 then json_merge_patch(line, '{{' || array_to_string(
        list_transform(list_filter(keys, name -> not list_contains(extra_keys, name)),
                       name -> to_json(name) || ':null'),
        ',') || '}}') end as extra,
    line_bytes,
    coalesce(not checked and valid and needs_python, false) as needs_python
from (
    select
        *,
        case
            when not valid or duplicate_detail is not null then 'invalid_json'
            when kind <> 'object' then 'not_an_object'
            when event_problem is not null then 'missing_event'
            when user_problem is not null then 'missing_user_id'
        end as reason,
        case when {_extra_keys()[0]} then {_extra_keys()[1]} else [] end as extra_keys
    from (
        select
            *,
            {_level_typed()},
            {needs_python(MAX_DEPTH)} as needs_python,
            {_why("s_event", "event")} as event_problem,
            {_why("s_user_id", "userId")} as user_problem,
            case when len(keys) <> present and len(keys) <> len(list_distinct(keys)) then 'duplicate top-level key '
                 || '(RFC 8259: names should be unique; which one counts is undefined)' end as duplicate_detail
        from (
            select
                *,
                {_level_values()}
            from (
                select
                    *,
                    case when valid and kind = 'object' then from_json(line, '{_ENV_JSON}') end as env,
                    case when valid and kind = 'object' then json_keys(line) else [] end as keys
                from (select *, coalesce(raw_text, line::varchar) as text, strlen(line::varchar) as line_bytes
                      from {source})
            )
        )
    )
)
"""


# Line numbers are set after the scan from the row order of ``classified`` (loaders.read.scan): DuckDB keeps
# a scan's order when it inserts (preserve_insertion_order), in parallel. ``with ordinality`` or
# row_number() over () would number the rows in the scan, but both serialise it (2x slower at 1M lines).
FAST_SOURCE = """(
    select $idx[file_index::bigint + 1] as file_idx, null::bigint as line_number,
           null::integer as record_index,
           case left(json::varchar, 1) when '{' then 'object' when '[' then 'array' else 'scalar' end as kind,
           json as line, null::varchar as raw_text, json is not null as valid, false as checked
    from read_json_objects($paths, format = 'newline_delimited', ignore_errors = true)
)"""

#: Lines Python staged (loaders.read); DuckDB judges the JSON (``json_valid`` and the cast to JSON disagree on
#: some unpaired surrogate escapes: the cast is what counts).
SLOW_SOURCE = """(
    select file_idx, line_number, record_index, kind, parsed as line, line as raw_text, parsed is not null as valid,
           checked
    from (select *, try_cast(line as json) as parsed from stage)
)"""

#: A row DuckDB could not read (NULL line) or one over the size limit: Python reads the line itself.
BAD_LINE = f"(reason = 'invalid_json' and line_bytes is null) or line_bytes > {MAX_LINE_BYTES}"
