"""Run the suites with Great Expectations' SQL datasource on DuckDB (pushdown, no pandas copy).

GX 1.24.1 has no DuckDB dialect and reads results after SQLAlchemy's rollback, which DuckDB answers
with an empty result (stack-notes.md §4a). The documented workaround is to make GX keep one
persistent connection for ``duckdb``, as it does for sqlite: ``_patch_persisted_connection``.
Re-check it on every GX upgrade (a test runs a failing and a passing expectation through it).

Everything GX needs lives in an ephemeral context built here in code: the suites come from the
committed JSON files and nothing is written back to the repo. GX validates this run's batch of each
``gx.<suite>`` table, a query asset ``select * from gx.<suite> where <the batch's load_ids>`` (all rows
after a full projection); every suite gets its definition page in Data Docs, and the suites validated in
this run their result page.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import sqlalchemy_execution_engine as _see

from common.settings import duckdb_settings
from expectations.projection import quote_ident
from expectations.results import SAMPLE_IDS, ExpectationOutcome, SuiteOutcome
from expectations.suites import GX_SCHEMA

#: Counts, up to 20 unexpected values with their counts, and the message_ids of up to 20 unexpected rows.
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "unexpected_index_column_names": ["message_id"],
    "partial_unexpected_count": 20,
}


class _Dialect(str):
    """A str with ``.value``, which is how GX compares the dialect names in that tuple."""

    @property
    def value(self) -> str:
        return str(self)


def _patch_persisted_connection() -> None:
    names = {getattr(item, "value", item) for item in _see._PERSISTED_CONNECTION_DIALECTS}
    if "duckdb" not in names:
        _see._PERSISTED_CONNECTION_DIALECTS = (*_see._PERSISTED_CONNECTION_DIALECTS, _Dialect("duckdb"))


def _outcome(suite: str, ordinals: dict[str, int], result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    details: dict[str, Any] = dict(result.result or {})
    kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
    error = None
    info = result.exception_info or {}
    if info.get("raised_exception"):
        error = str(info.get("exception_message") or "expectation raised")
    samples = [
        str(row.get("message_id"))
        for row in details.get("partial_unexpected_index_list") or []
        if isinstance(row, dict) and row.get("message_id") is not None
    ]
    return ExpectationOutcome(
        suite=suite,
        ordinal=ordinals[str(config.id)],
        type=config.type,
        kwargs=kwargs,
        meta=dict(config.meta or {}),
        success=bool(result.success),
        element_count=details.get("element_count"),
        missing_count=details.get("missing_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_values=list(details.get("partial_unexpected_counts") or []),
        sample_message_ids=list(dict.fromkeys(samples))[:SAMPLE_IDS],
        error=error,
    )


def connection_string(db: Path) -> str:
    """Read-only, with DuckDB's resources from the settings (``common.settings.duckdb_settings``)."""
    return f"duckdb:///{db}?" + urlencode({"access_mode": "read_only", **duckdb_settings(db)})


def _context(docs_dir: Path) -> Any:
    """An ephemeral GX context whose one Data Docs site is ``docs_dir``."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    for site in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(site)
    context.add_data_docs_site(
        "local_site",
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return context


def _checkpoint(context: Any, db: Path, suites: list[dict[str, Any]], where: str, names: set[str]) -> Any:
    """Every suite in the context; a validation definition for each of ``names`` over its rows ``where``."""
    datasource = context.data_sources.add_sql(name="warehouse", connection_string=connection_string(db))
    definitions = []
    for spec in suites:
        name = spec["name"]
        suite = context.suites.add(
            gx.ExpectationSuite(name=name, expectations=spec["expectations"], meta=spec.get("meta"))
        )
        if name not in names:
            continue
        # A query asset, not a table asset: GX reflects a table's columns with three pg_catalog queries per
        # suite (2.8 s per run through duckdb-engine), a query's with one `limit 1` select.
        asset = datasource.add_query_asset(
            name=name, query=f"select * from {GX_SCHEMA}.{quote_ident(name)} where {where}"
        )
        batch = asset.add_batch_definition_whole_table("whole_table")
        definitions.append(
            context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        )
    return context.checkpoints.add(
        gx.Checkpoint(
            name="telemetry_types",
            validation_definitions=definitions,
            actions=[],  # Data Docs are built once, after the run: the action rebuilds the whole site per suite
            result_format=RESULT_FORMAT,
        )
    )


def validate(
    db: Path, suites: list[dict[str, Any]], docs_dir: Path, where: str, names: set[str], definitions: bool = True
) -> list[SuiteOutcome]:
    """Validate the suites in ``names`` on their ``gx.<name>`` rows ``where``; build Data Docs into ``docs_dir``.

    Data Docs get a result page per validated suite and, with ``definitions``, a definition page for every
    suite in ``suites`` (an incremental run keeps the last run's). GX's connections are closed before
    returning, so the caller can open the warehouse for writing again.
    """
    _patch_persisted_connection()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = _context(docs_dir)
    with _closing_connections():
        result = _checkpoint(context, db, suites, where, names).run()
    pages = None if definitions else list(result.run_results)  # the result pages only
    context.build_data_docs(site_names=["local_site"], resource_identifiers=pages, build_index=False)
    by_name = {spec["name"]: spec for spec in suites}
    ordinals = {
        str(item.id): ordinal for suite in context.suites.all() for ordinal, item in enumerate(suite.expectations)
    }
    outcomes = []
    for identifier, suite_result in result.run_results.items():
        name = suite_result.suite_name
        meta = by_name[name]["meta"]
        outcomes.append(
            SuiteOutcome(
                suite=name,
                event=meta.get("event"),
                relation=meta["relation"],
                success=bool(suite_result.success),
                expectations=[_outcome(name, ordinals, item) for item in suite_result.results],
                validation_page=_page(docs_dir, identifier),
            )
        )
    order = list(by_name)
    return sorted(outcomes, key=lambda outcome: order.index(outcome.suite))


@contextlib.contextmanager
def _closing_connections() -> Iterator[None]:
    """Close every DuckDB connection GX opens inside the block.

    GX keeps its engines (and, for ``duckdb``, a persisted connection) alive after a checkpoint, and DuckDB
    refuses a read-write connection to a file this process still has open read-only.
    """
    opened: list[Any] = []

    def record(dbapi_connection: Any, _record: Any) -> None:
        opened.append(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "connect", record)
    try:
        yield
    finally:
        sa.event.remove(sa.pool.Pool, "connect", record)
        for connection in opened:
            with contextlib.suppress(Exception):
                connection.close()


def _page(docs_dir: Path, identifier: Any) -> str | None:
    """The Data Docs page of one validation result, relative to ``docs_dir``."""
    key = identifier.to_tuple() if hasattr(identifier, "to_tuple") else ()
    if not key:
        return None
    *parts, batch = (str(part) for part in key)
    path = Path("validations", *parts, f"{batch}.html")
    return path.as_posix() if (docs_dir / path).exists() else None
