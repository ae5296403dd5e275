"""The JSON type rules, in one place: what each spec ``json_type`` is typed as, and which DuckDB
``json_type()`` results satisfy it.

Staging (dbt), the GX suites and the generator all derive from these tables.
"""

from __future__ import annotations

#: JSON types a property may have in the spec, and the DuckDB column type staging gives it.
SQL_TYPES: dict[str, str] = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
    "array<string>": "VARCHAR[]",
    "array<object>": "JSON",
    "object": "JSON",
}

#: The staging column types on Apache Spark where they are spelled differently from DuckDB's (lower case):
#: a JSON value is kept as its text, a list is an ``array``. ``string`` (DuckDB's alias of varchar), bigint,
#: double, boolean and timestamp are the same on both.
SPARK_SQL_TYPES: dict[str, str] = {
    "json": "string",
    "varchar[]": "array<string>",
}

#: DuckDB ``json_type()`` results that satisfy each spec ``json_type``. An integer where a number
#: is expected is fine (Python sends ``1`` for ``1.0`` only if the value is an int, and a float field
#: may legitimately hold one); a float where an integer is expected is not (Python never writes
#: ``12.0`` for an int). ``UBIGINT`` is what DuckDB calls integers above 2**63-1.
ENGINE_TYPES: dict[str, tuple[str, ...]] = {
    "integer": ("BIGINT", "UBIGINT"),
    "number": ("BIGINT", "UBIGINT", "DOUBLE"),
    "boolean": ("BOOLEAN",),
    "string": ("VARCHAR",),
    "array<string>": ("ARRAY",),
    "array<object>": ("ARRAY",),
    "object": ("OBJECT",),
}
#: For the array types, the DuckDB ``json_type()`` results every element must have (staging checks
#: the elements; an empty array has none and is fine).
ELEMENT_ENGINE_TYPES: dict[str, tuple[str, ...]] = {
    "array<string>": ("VARCHAR",),
    "array<object>": ("OBJECT",),
}
JSON_NULL = "NULL"
NUMERIC_ENGINE_TYPES: tuple[str, ...] = ("BIGINT", "UBIGINT", "DOUBLE")
