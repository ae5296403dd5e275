"""Validation results, and how one expectation's counts over several batches make its cumulative result.

Every suite's expectations are row-level (in a set, between, not null), so their counts over disjoint
batches add up: a batch's ``element_count``, ``missing_count`` (NULLs, which GX skips except in
``not_null``) and ``unexpected_count`` are summed into the cumulative figures, and the ``mostly``
decision is made again on those sums with GX's own rule (:func:`mostly_success`). So the cumulative
result of runs over loads A, then B is the result one run over A and B would give. The uniqueness of
``message_id`` is row-level too: ``message_id_copies`` numbers the copies of an id in landing order
(``projection.ENVELOPE_SQL``), across every load.

This module does not import GX, so a run with nothing new can report without paying its import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

#: Sample ids kept per expectation (the first found, earliest runs first).
SAMPLE_IDS = 5
#: Unexpected values kept per expectation, with their counts (GX's ``partial_unexpected_count``).
VALUES_KEPT = 20
NOT_NULL = "expect_column_values_to_not_be_null"


@dataclass
class ExpectationOutcome:
    suite: str
    ordinal: int  # its position in the suite's ``expectations``
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    success: bool
    element_count: int | None = None
    missing_count: int | None = None
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


def considered(item: ExpectationOutcome) -> int:
    """The rows a ``mostly`` is taken over: every row for ``not_null``, else the non-NULL ones (as GX does)."""
    return (item.element_count or 0) - (0 if item.type == NOT_NULL else item.missing_count or 0)


def mostly_success(rows: int, unexpected: int, mostly: float) -> bool:
    """GX 1.24's ``_mostly_success``, and vacuous success over no rows (as its ``_validate`` methods)."""
    if rows <= 0:
        return True
    return (float(rows) - float(unexpected)) / float(rows) >= mostly


def decided(item: ExpectationOutcome) -> ExpectationOutcome:
    """``item`` with ``success`` and ``unexpected_percent`` recomputed from its counts."""
    rows, unexpected = considered(item), item.unexpected_count or 0
    mostly = float(item.kwargs.get("mostly", 1.0))
    percent = unexpected / rows * 100 if rows > 0 else None
    return replace(item, success=mostly_success(rows, unexpected, mostly), unexpected_percent=percent)


def empty(suite: str, ordinal: int, spec: dict[str, Any]) -> ExpectationOutcome:
    """An expectation that has seen no rows yet (vacuously met)."""
    kwargs, meta = dict(spec["kwargs"]), dict(spec.get("meta") or {})
    return ExpectationOutcome(suite, ordinal, spec["type"], kwargs, meta, True, 0, 0, 0)


def _values(items: list[dict[str, Any]]) -> dict[str, int]:
    return {json.dumps(row["value"]): int(row["count"]) for row in items}


def combine(before: ExpectationOutcome, batch: ExpectationOutcome) -> ExpectationOutcome:
    """The cumulative outcome after ``batch``: counts and values summed, samples of earlier runs first.

    Type, arguments and meta are ``before``'s (the suite's, as written).
    """
    counts = _values(before.unexpected_values)
    for value, count in _values(batch.unexpected_values).items():
        counts[value] = counts.get(value, 0) + count
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:VALUES_KEPT]
    merged = replace(
        before,
        element_count=(before.element_count or 0) + (batch.element_count or 0),
        missing_count=(before.missing_count or 0) + (batch.missing_count or 0),
        unexpected_count=(before.unexpected_count or 0) + (batch.unexpected_count or 0),
        unexpected_values=[{"value": json.loads(value), "count": count} for value, count in ranked],
        sample_message_ids=list(dict.fromkeys(before.sample_message_ids + batch.sample_message_ids))[:SAMPLE_IDS],
    )
    return decided(merged)


def cumulative(spec: dict[str, Any], stored: dict[int, ExpectationOutcome], batch: SuiteOutcome | None) -> SuiteOutcome:
    """One suite's cumulative outcome: the stored counts plus this run's batch (None: not validated now)."""
    name = spec["name"]
    found = {item.ordinal: item for item in batch.expectations} if batch else {}
    items = []
    for ordinal, expectation in enumerate(spec["expectations"]):
        before = empty(name, ordinal, expectation)
        if ordinal in stored:  # the stored counts, with the suite's own kwargs and meta
            kept = stored[ordinal]
            before = replace(
                before,
                element_count=kept.element_count,
                missing_count=kept.missing_count,
                unexpected_count=kept.unexpected_count,
                unexpected_values=kept.unexpected_values,
                sample_message_ids=kept.sample_message_ids,
            )
        now = found.get(ordinal)
        if batch is not None and now is None:
            raise ValueError(f"suite {name}: GX returned no result for {expectation['type']} {expectation['kwargs']}")
        if now is not None and now.error:
            items.append(now)
        else:
            items.append(combine(before, now) if now is not None else decided(before))
    meta = spec["meta"]
    success = all(item.success and not item.error for item in items)
    page = batch.validation_page if batch else None
    return SuiteOutcome(name, meta.get("event"), meta["relation"], success, items, page)
