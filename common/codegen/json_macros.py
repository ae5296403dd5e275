"""The typing rules of :mod:`common.json_types` in ``macros/json.sql`` (``duckdb__json_typed_value``).

The JSON type map lives in ``common/json_types.py`` only; this writes it into the generated block of the
macro that types a value, so the SQL side never keeps a copy by hand.
"""

from __future__ import annotations

from common.codegen.blocks import replace_block
from common.json_types import ELEMENT_ENGINE_TYPES, ENGINE_TYPES, SQL_TYPES

PATH = "macros/json.sql"
NAME = "json_types"


def _jinja_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def rules() -> list[str]:
    """One jinja dict entry per spec json_type: (column type, engine types, element engine types)."""
    lines = []
    for json_type, sql_type in SQL_TYPES.items():
        elements = ELEMENT_ENGINE_TYPES.get(json_type)
        element_rule = _jinja_list(elements) if elements else "none"
        rule = f"'{sql_type.lower()}', {_jinja_list(ENGINE_TYPES[json_type])}, {element_rule}"
        lines.append(f"    '{json_type}': ({rule}),")
    return ["{%- set rules = {", *lines, "} -%}"]


def fill(current: str) -> str:
    return replace_block(current, f"{{#- BEGIN GENERATED {NAME}", f"{{#- END GENERATED {NAME}", rules(), PATH)
