"""Run the suites with Great Expectations' SQL datasource on DuckDB (pushdown, no pandas copy).

GX 1.24.1 has no DuckDB dialect and reads results after SQLAlchemy's rollback, which DuckDB answers
with an empty result (stack-notes.md §4a). The documented workaround is to make GX keep one
persistent connection for ``duckdb``, as it does for sqlite: ``_patch_persisted_connection``.
Re-check it on every GX upgrade (a test runs a failing and a passing expectation through it).

Everything GX needs lives in an ephemeral context built here in code: the suites come from the
committed JSON files and nothing is written back to the repo.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import sqlalchemy_execution_engine as _see

from expectations.suites import GX_SCHEMA

SAMPLE_IDS = 5


class _Dialect(str):
    """A str with ``.value``, which is how GX compares the dialect names in that tuple."""

    @property
    def value(self) -> str:
        return str(self)


def _patch_persisted_connection() -> None:
    names = {getattr(item, "value", item) for item in _see._PERSISTED_CONNECTION_DIALECTS}
    if "duckdb" not in names:
        _see._PERSISTED_CONNECTION_DIALECTS = (*_see._PERSISTED_CONNECTION_DIALECTS, _Dialect("duckdb"))


@dataclass
class ExpectationOutcome:
    suite: str
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_values: list[dict[str, Any]] = field(default_factory=list)
    sample_message_ids: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class SuiteOutcome:
    suite: str
    event: str | None
    relation: str
    success: bool
    expectations: list[ExpectationOutcome]
    validation_page: str | None = None


def _outcome(suite: str, result: Any) -> ExpectationOutcome:
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
        type=config.type,
        kwargs=kwargs,
        meta=dict(config.meta or {}),
        success=bool(result.success),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        unexpected_values=list(details.get("partial_unexpected_counts") or []),
        sample_message_ids=list(dict.fromkeys(samples))[:SAMPLE_IDS],
        error=error,
    )


def connection_string(db: Path, memory_limit: str = "1GB") -> str:
    return f"duckdb:///{db}?access_mode=read_only&memory_limit={memory_limit}&threads=2"


def validate(db: Path, suites: list[dict[str, Any]], docs_dir: Path) -> list[SuiteOutcome]:
    """Validate every suite's ``gx.<name>`` table in ``db``; build GX Data Docs into ``docs_dir``."""
    _patch_persisted_connection()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
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
    datasource = context.data_sources.add_sql(name="warehouse", connection_string=connection_string(db))
    definitions = []
    for spec in suites:
        name = spec["name"]
        with warnings.catch_warnings():  # schema_name is deprecated, but the alternative is a URL per schema
            warnings.simplefilter("ignore", DeprecationWarning)
            asset = datasource.add_table_asset(name=name, table_name=name, schema_name=GX_SCHEMA)
        suite = context.suites.add(
            gx.ExpectationSuite(name=name, expectations=spec["expectations"], meta=spec.get("meta"))
        )
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=name, data=asset.add_batch_definition_whole_table("whole_table"), suite=suite
                )
            )
        )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="telemetry_types",
            validation_definitions=definitions,
            actions=[],  # Data Docs are built once below: the action rebuilds the whole site per suite
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": ["message_id"],
                "partial_unexpected_count": 20,
            },
        )
    )
    result = checkpoint.run()
    context.build_data_docs(site_names=["local_site"])
    by_name = {spec["name"]: spec for spec in suites}
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
                expectations=[_outcome(name, item) for item in suite_result.results],
                validation_page=_page(docs_dir, identifier),
            )
        )
    order = list(by_name)
    return sorted(outcomes, key=lambda outcome: order.index(outcome.suite))


def _page(docs_dir: Path, identifier: Any) -> str | None:
    """The Data Docs page of one validation result, relative to ``docs_dir``."""
    key = identifier.to_tuple() if hasattr(identifier, "to_tuple") else ()
    if not key:
        return None
    *parts, batch = (str(part) for part in key)
    path = Path("validations", *parts, f"{batch}.html")
    return path.as_posix() if (docs_dir / path).exists() else None
