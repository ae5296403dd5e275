"""sqlfluff's stand-in for dbt's ``adapter`` (sqlfluff has no dbt context; see ``.sqlfluff``).

The macros dispatch engine-specific SQL with ``adapter.dispatch('name', 'rasa_telemetry')(...)``. At
lint time this renders the DuckDB implementation, ``duckdb__name``, so the models are linted as the
SQL DuckDB runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., Any]:
    @jinja2.pass_context
    def call(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
        return context.resolve(f"duckdb__{macro_name}")(*args, **kwargs)

    return call
