"""The reject reasons: one list feeds the raw schema, the dbt source's ``accepted_values`` and the README.

``python -m common generate`` writes the dbt side and the README table from :data:`REJECT_REASONS`;
``--check`` (run by the tests) fails when they drift.
"""

from __future__ import annotations

#: reason -> what it means (Markdown, for the README table).
REJECT_REASONS: dict[str, str] = {
    "invalid_json": "not valid RFC 8259 JSON, e.g. truncated; also `NaN`/`Infinity` literals, trailing commas, raw "
    "control characters, an unpaired `\\ud800` surrogate escape, and repeated top-level keys (which one counts is "
    "undefined)",
    "not_an_object": "valid JSON but not an object: a string, number, `null`, an array on a line of an NDJSON file "
    "(kept whole, one record), an empty document; array or batch elements that are not objects",
    "missing_event": "no `event`, or null or empty (e.g. a Segment `identify` call); a non-string `event` is kept "
    "as its text and surfaces as an unknown event",
    "missing_user_id": "no `userId`, or null or empty (an `anonymousId` alone is not enough: the installation is "
    "the `userId`)",
    "invalid_utf8": "the line's bytes are not UTF-8; kept byte for byte in `raw_bytes`",
    "too_large": "the line is over 1 MiB (`MAX_LINE_BYTES` in `common/settings.py`; Segment itself caps a call at "
    "32 KB)",
    "too_deep": "nested deeper than 64 levels (`MAX_DEPTH`; real messages nest 5 levels at most, and readers such "
    "as Spark's stop at 1,000)",
}
