"""The event spec: ``seeds/telemetry_event_properties.csv`` read as Python objects.

The seed is the one machine-readable statement of which events exist and which JSON type each
property has. dbt loads it as a seed; the GX suites, the staging docs and the generator read it here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from common.json_types import SQL_TYPES
from common.settings import REPO_ROOT

SPEC_PATH = REPO_ROOT / "seeds" / "telemetry_event_properties.csv"


@dataclass(frozen=True)
class PropertySpec:
    event: str
    property: str
    json_type: str
    nullable: bool
    description: str
    rasa_versions: str
    in_reference: bool
    #: the closed set of values the real code sends (wire-format.md), empty when open
    accepted_values: tuple[str, ...] = ()

    @property
    def event_slug(self) -> str:
        return event_slug(self.event)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.json_type]


def event_slug(event: str) -> str:
    """Segment's table name for an event: snake case (``Model NLU Tested`` -> ``model_nlu_tested``)."""
    return re.sub(r"[^a-z0-9]+", "_", event.strip().lower()).strip("_")


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes"}


@cache
def load_spec(path: Path = SPEC_PATH) -> tuple[PropertySpec, ...]:
    """Every row of the spec seed, in file order."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    specs = tuple(
        PropertySpec(
            event=row["event"],
            property=row["property"],
            json_type=row["json_type"],
            nullable=_as_bool(row["nullable"]),
            description=row["description"],
            rasa_versions=row["rasa_versions"],
            in_reference=_as_bool(row["in_reference"]),
            accepted_values=tuple(value for value in (row.get("accepted_values") or "").split("|") if value),
        )
        for row in rows
    )
    unknown = sorted({spec.json_type for spec in specs} - SQL_TYPES.keys())
    if unknown:
        raise ValueError(f"{path}: unknown json_type value(s): {', '.join(unknown)}")
    return specs


def events(path: Path = SPEC_PATH) -> dict[str, tuple[PropertySpec, ...]]:
    """The spec grouped by event name, events and properties in file order."""
    grouped: dict[str, list[PropertySpec]] = {}
    for spec in load_spec(path):
        grouped.setdefault(spec.event, []).append(spec)
    return {event: tuple(props) for event, props in grouped.items()}
