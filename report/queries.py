"""What each chart reads: one dbt model, some of its columns, an optional filter, an order.

A chart's data is the rows of its model as they are (no aggregation here or in the chart spec), so
every number on the page is a number in a mart. A grain no model has gets a new model, not Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

SCHEMA = "main"

Row = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """``select <columns> from main.<model> [where column in (...) ...] order by <order_by>``."""

    model: str
    columns: tuple[str, ...]
    order_by: tuple[str, ...] = ()
    where: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    limit: int | None = None

    def sql(self) -> tuple[str, list[Any]]:
        sql = f"select {', '.join(self.columns)} from {SCHEMA}.{self.model}"
        params: list[Any] = []
        if self.where:
            clauses = []
            for column, values in self.where.items():
                clauses.append(f"{column} in ({', '.join('?' for _ in values)})")
                params.extend(values)
            sql += " where " + " and ".join(clauses)
        if self.order_by:
            sql += " order by " + ", ".join(self.order_by)
        if self.limit is not None:
            sql += f" limit {int(self.limit)}"
        return sql, params


class MissingModel(Exception):
    """The model a chart reads is not in the warehouse (dbt has not built it)."""


def jsonable(value: Any) -> Any:
    """Values as Vega-Lite reads them: dates and timestamps as ISO text, decimals as floats."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def existing_models(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = ?", [SCHEMA]).fetchall()
    return {name for (name,) in rows}


def fetch(con: duckdb.DuckDBPyConnection, query: Query, models: set[str]) -> list[Row]:
    """The query's rows as dicts of JSON-ready values; MissingModel if the model was never built."""
    if query.model not in models:
        raise MissingModel(query.model)
    sql, params = query.sql()
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, map(jsonable, row), strict=True)) for row in cursor.fetchall()]


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, models: set[str], model: str) -> Row | None:
    """One row of a reading query (a sentence's numbers, picked from the model in SQL)."""
    if model not in models:
        raise MissingModel(model)
    cursor = con.execute(sql)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in cursor.description], row, strict=True))
