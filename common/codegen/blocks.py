"""Generated blocks inside hand-written files, between a BEGIN and an END marker line.

The reject reasons (:mod:`common.reasons`) go into the dbt source's ``accepted_values`` of
``raw.rejected_events.reason`` and into the README's table; the list of per-event staging models into the
quality models that read all of them. The rest of those files is written by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from common.reasons import REJECT_REASONS
from common.spec import SPEC_PATH, event_slug, events

SOURCES_PATH = "models/staging/_staging__sources.yml"
README_PATH = "README.md"
NAME = "reject_reasons"
QUALITY_YML = "models/quality/_quality__models.yml"
#: the models that read every per-event staging model
EVENT_MODEL_READERS = (
    "models/quality/quality_property_type_violations.sql",
    "models/quality/quality_unknown_properties.sql",
)


class MarkerError(ValueError):
    """A file lacks its BEGIN/END markers (or has them out of order)."""


def replace_block(text: str, begin: str, end: str, body: list[str], where: str) -> str:
    """``text`` with the lines between the line holding ``begin`` and the one holding ``end`` replaced.

    The body lines are indented like the BEGIN line.
    """
    lines = text.split("\n")
    starts = [index for index, line in enumerate(lines) if begin in line]
    ends = [index for index, line in enumerate(lines) if end in line]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise MarkerError(f"{where}: needs exactly one '{begin}' line followed by one '{end}' line")
    indent = lines[starts[0]][: len(lines[starts[0]]) - len(lines[starts[0]].lstrip())]
    return "\n".join([*lines[: starts[0] + 1], *(indent + line for line in body), *lines[ends[0] :]])


def sources_yml(current: str) -> str:
    values = ", ".join(json.dumps(reason) for reason in REJECT_REASONS)
    return replace_block(
        current, f"# BEGIN GENERATED {NAME}", f"# END GENERATED {NAME}", [f"values: [{values}]"], SOURCES_PATH
    )


def readme(current: str) -> str:
    table = ["| reason | meaning |", "|---|---|"]
    table += [f"| `{reason}` | {meaning} |" for reason, meaning in REJECT_REASONS.items()]
    return replace_block(current, f"<!-- BEGIN GENERATED {NAME}", f"<!-- END GENERATED {NAME}", table, README_PATH)


def event_models(current: str, where: str, spec_path: Path = SPEC_PATH) -> str:
    refs = [f"    ref('stg_telemetry__{event_slug(event)}')," for event in events(spec_path)]
    body = ["{%- set event_models = [", *refs, "] -%}"]
    return replace_block(current, "{#- BEGIN GENERATED event_models", "{#- END GENERATED event_models", body, where)


def unit_test_inputs(current: str, spec_path: Path = SPEC_PATH) -> str:
    """The quality unit tests' empty inputs: every per-event model a test does not give rows for. Each block
    (one per unit test: the DuckDB test and its Spark twin) follows the inputs given since the block before it."""
    begin, end = "# BEGIN GENERATED unit_test_inputs", "# END GENERATED unit_test_inputs"
    models = [f"stg_telemetry__{event_slug(event)}" for event in events(spec_path)]
    done, rest = "", current
    while begin in rest:
        cut = rest.index("\n", rest.index(end)) + 1 if "\n" in rest[rest.index(end) :] else len(rest)
        segment, rest = rest[:cut], rest[cut:]
        given = set(re.findall(r"input: ref\('(stg_telemetry__\w+)'\)", segment[: segment.find(begin)]))
        body = [f"- {{input: ref('{model}'), rows: []}}" for model in models if model not in given]
        done += replace_block(segment, begin, end, body, QUALITY_YML)
    if not done:
        return replace_block(current, begin, end, [], QUALITY_YML)  # raises: the markers are missing
    return done + rest
