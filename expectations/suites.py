"""Build the expectation suites from the spec seed (`python -m common generate` writes them as JSON).

One suite per event type (``<event_slug>``) plus ``envelope``. Each suite is a plain GX suite
dict (``name``, ``meta``, ``expectations: [{type, kwargs, meta, notes}]``) with no ids, so the files
are byte-stable; GX assigns ids in memory at run time and never writes them back.

``meta.relation`` names the table the suite validates and ``meta.projection`` says how
``projection.py`` builds each of its columns from ``raw.events`` (``"<kind>:<property>"``, kind one of
``json_type``, ``number``, ``string``, ``envelope``), so a suite file is self-contained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common import json_types
from common.spec import SPEC_PATH, PropertySpec, event_slug, events
from expectations import rules

SUITES_DIR = Path(__file__).resolve().parent / "suites"
GX_SCHEMA = "gx"
ENVELOPE = "envelope"

Suite = dict[str, Any]

_ABSENT_NOTE = (
    "A key that is absent is not a type violation: older releases do not send newer properties "
    "(e.g. is_finetuning before 2.2), so only keys that are present are checked."
)


def _expectation(kind: str, kwargs: dict[str, Any], meta: dict[str, Any], notes: str) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": meta, "notes": notes}


def _type_expectation(spec: PropertySpec) -> dict[str, Any]:
    allowed = list(json_types.ENGINE_TYPES[spec.json_type]) + ([json_types.JSON_NULL] if spec.nullable else [])
    null_text = " or null" if spec.nullable else " (null is a violation: the code never sends it)"
    return _expectation(
        "expect_column_values_to_be_in_set",
        {
            "column": f"{spec.property}__json_type",
            "value_set": allowed,
            "mostly": rules.SENDER_GUARANTEE,
        },
        {"rule": "json_type", "property": spec.property, "expected": spec.json_type},
        f"`{spec.property}` must arrive as JSON {spec.json_type}{null_text}. {_ABSENT_NOTE} "
        "mostly=0.999: Rasa's code fixes the type; at most 1 message in 1,000 may be foreign junk.",
    )


def _value_expectations(event: str, spec: PropertySpec) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Value rules for one property, and the typed value columns they need (``{column: kind}``)."""
    prop = spec.property
    found: list[dict[str, Any]] = []
    columns: dict[str, str] = {}
    values = spec.accepted_values  # the seed's closed value sets (wire-format.md)
    if values and spec.json_type == "string":
        columns[prop] = "string"
        found.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                {"column": prop, "value_set": list(values), "mostly": rules.SENDER_GUARANTEE},
                {"rule": "value_set", "property": prop},
                f"The code only ever sends these `{prop}` values for {event} (wire-format.md §3). "
                "Checked on string values only; a wrong type is the json_type rule's business.",
            )
        )
    if rules.is_count(prop, spec.json_type):
        columns[prop] = "number"
        found.append(
            _expectation(
                "expect_column_values_to_be_between",
                {"column": prop, "min_value": 0, "mostly": rules.SENDER_GUARANTEE},
                {"rule": "non_negative", "property": prop},
                f"`{prop}` is a count or a duration (len() or int(seconds)): never negative.",
            )
        )
    if prop in rules.RANGES and spec.json_type in ("number", "integer"):
        low, high, strict_min, mostly, why = rules.RANGES[prop]
        columns[prop] = "number"
        found.append(
            _expectation(
                "expect_column_values_to_be_between",
                {
                    "column": prop,
                    "min_value": low,
                    "max_value": high,
                    "strict_min": strict_min,
                    "mostly": mostly,
                },
                {"rule": "range", "property": prop},
                why,
            )
        )
    return found, columns


def event_suite(event: str, specs: tuple[PropertySpec, ...]) -> Suite:
    slug = event_slug(event)
    expectations: list[dict[str, Any]] = [
        _expectation(
            "expect_column_values_to_not_be_null",
            {"column": "message_id"},
            {"rule": "key"},
            "Every row is one landed message (the loader guarantees message_id).",
        )
    ]
    projection: dict[str, str] = {"message_id": "envelope:message_id"}
    for spec in specs:
        projection[f"{spec.property}__json_type"] = f"json_type:{spec.property}"
        expectations.append(_type_expectation(spec))
        if spec.property == "metrics_id":
            expectations.append(
                _expectation(
                    "expect_column_values_to_not_be_null",
                    {"column": "metrics_id__json_type", "mostly": rules.SENDER_GUARANTEE},
                    {"rule": "present", "property": "metrics_id"},
                    "Every release adds metrics_id to every event, so it must be present.",
                )
            )
        value_rules, columns = _value_expectations(event, spec)
        expectations.extend(value_rules)
        projection.update({column: f"{kind}:{spec.property}" for column, kind in columns.items()})
    return {
        "name": slug,
        "meta": {
            "event": event,
            "relation": f"{GX_SCHEMA}.{slug}",
            "projection": projection,
            "generated_by": "python -m common generate (from seeds/telemetry_event_properties.csv)",
        },
        "expectations": expectations,
    }


def _hex_rule(column: str, what: str, not_null: bool) -> list[dict[str, Any]]:
    found = [
        _expectation(
            "expect_column_values_to_be_in_set",
            {"column": column, "value_set": [True], "mostly": rules.SENDER_GUARANTEE},
            {"rule": "format"},
            f"{what} mostly=0.999: the code always sends this shape; allow 1 in 1,000 foreign messages.",
        )
    ]
    if not_null:
        found.append(
            _expectation(
                "expect_column_values_to_not_be_null",
                {"column": column, "mostly": rules.SENDER_GUARANTEE},
                {"rule": "present"},
                f"{what} It is never null or absent.",
            )
        )
    return found


def envelope_suite() -> Suite:
    guarantee = {"mostly": rules.LOADER_GUARANTEE}
    expectations = [
        _expectation(
            "expect_column_values_to_not_be_null",
            {"column": "message_id", **guarantee},
            {"rule": "key"},
            "raw.events is keyed on message_id; the loader deduplicates on it.",
        ),
        _expectation(
            "expect_column_values_to_be_in_set",
            {"column": "message_id_copies", "value_set": [1], **guarantee},
            {"rule": "key"},
            "message_id is unique: each id occurs once. A duplicate means the loader's dedup broke: "
            "no tolerance. (Copies are counted with one GROUP BY while the table is built; GX's "
            "expect_column_values_to_be_unique runs three window queries, 23 s at 10M rows.)",
        ),
        _expectation(
            "expect_column_values_to_not_be_null",
            {"column": "event_at", **guarantee},
            {"rule": "key"},
            "The loader always sets event_at (timestamp, else receivedAt, else the load default).",
        ),
        *_hex_rule("user_id_is_hex32", "userId is uuid4().hex: 32 lowercase hex characters.", False),
        *_hex_rule("metrics_id_matches_user_id", "properties.metrics_id equals userId (Rasa sets both).", False),
        *_hex_rule(
            "context_project_is_hex64",
            "context.project is a sha256 hex digest (64 lowercase hex) or null; null is not checked.",
            False,
        ),
        *_hex_rule("context_directory_is_hex64", "context.directory is a sha256 hex digest.", True),
        _expectation(
            "expect_column_values_to_be_in_set",
            {"column": "properties_json_type", "value_set": ["OBJECT"], "mostly": rules.SENDER_GUARANTEE},
            {"rule": "json_type"},
            "properties must be a JSON object, otherwise every property would look absent.",
        ),
    ]
    columns = [
        "message_id",
        "message_id_copies",
        "event_at",
        "user_id_is_hex32",
        "metrics_id_matches_user_id",
        "context_project_is_hex64",
        "context_directory_is_hex64",
        "properties_json_type",
    ]
    return {
        "name": ENVELOPE,
        "meta": {
            "event": None,
            "relation": f"{GX_SCHEMA}.{ENVELOPE}",
            "projection": {column: f"envelope:{column}" for column in columns},
            "generated_by": "python -m common generate",
        },
        "expectations": expectations,
    }


def build_suites(spec_path: Path = SPEC_PATH) -> dict[str, Suite]:
    """Every suite, keyed by name: ``envelope`` first, then one per spec event in seed order."""
    suites = {ENVELOPE: envelope_suite()}
    for event, specs in events(spec_path).items():
        suite = event_suite(event, specs)
        suites[suite["name"]] = suite
    return suites


def render(suite: Suite) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def load_suites(directory: Path = SUITES_DIR) -> list[Suite]:
    """The committed suites (the source of truth at run time), envelope first, then by name."""
    paths = sorted(directory.glob("*.json"), key=lambda path: (path.stem != ENVELOPE, path.stem))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]
