"""The envelope: the columns ``stg_telemetry__events`` types once and every per-event model carries.

One definition for the envelope model's SQL, the per-event models' select lists and the staging
docs and contracts. Each column is either a ``raw.events`` column (cast to its staging type) or a
``context`` value typed like a property (NULL when its JSON type does not match, never coerced).
"""

from __future__ import annotations

from dataclasses import dataclass

from common.json_types import SQL_TYPES


@dataclass(frozen=True)
class EnvelopeColumn:
    name: str
    #: ids, strings, numerics, booleans or timestamps (the conventions' column groups)
    group: str
    #: the raw.events column it comes from, or None for a context value or a derived column
    raw: str | None = None
    #: the staging type of a raw column (for a context value it follows ``json_type``)
    raw_type: str | None = None
    #: a context value: its key in ``context`` (``outer.inner`` for one level of nesting) ...
    context_key: str | None = None
    #: ... and the spec JSON type it must have
    json_type: str | None = None

    @property
    def sql_type(self) -> str:
        if self.json_type is not None:
            return SQL_TYPES[self.json_type]
        if self.raw_type is None:
            raise ValueError(f"envelope column {self.name} has no type")
        return self.raw_type


def _raw(name: str, group: str, sql_type: str, raw: str | None = None) -> EnvelopeColumn:
    return EnvelopeColumn(name, group, raw=raw or name, raw_type=sql_type)


def _context(name: str, group: str, key: str, json_type: str) -> EnvelopeColumn:
    return EnvelopeColumn(name, group, context_key=key, json_type=json_type)


#: In select-list order. ``event_slug`` is derived from ``event`` (macro ``event_slug``).
ENVELOPE: tuple[EnvelopeColumn, ...] = (
    _raw("message_id", "ids", "string"),
    _raw("user_id", "ids", "string"),
    _raw("load_id", "ids", "bigint"),
    _raw("event", "strings", "string"),
    EnvelopeColumn("event_slug", "strings", raw_type="string"),
    _raw("message_type", "strings", "string"),
    _raw("event_at_source", "strings", "string"),
    _context("rasa_version", "strings", "rasa_open_source", "string"),
    _context("python_version", "strings", "python", "string"),
    _context("os_name", "strings", "os.name", "string"),
    _context("os_version", "strings", "os.version", "string"),
    _context("project_fingerprint", "strings", "project", "string"),
    _context("directory_hash", "strings", "directory", "string"),
    _context("license_hash", "strings", "license_hash", "string"),
    _context("library_name", "strings", "library.name", "string"),
    _raw("source_file", "strings", "string"),
    _context("cpu_count", "numerics", "cpu", "integer"),
    _context("gpu_count", "numerics", "gpu", "integer"),
    _raw("line_number", "numerics", "bigint"),
    _context("is_ci", "booleans", "ci", "boolean"),
    _context("is_docker", "booleans", "docker", "boolean"),
    _raw("is_generated_message_id", "booleans", "boolean"),
    _raw("event_at", "timestamps", "timestamp"),
    _raw("received_at", "timestamps", "timestamp"),
)

#: The envelope columns each per-event model repeats next to its typed properties: the keys, the time and what
#: the marts slice by. The rest of the envelope (source file, line, os, python, ...) is in stg_telemetry__events,
#: one join on message_id away; repeating all 24 columns in every per-event table cost about a fifth of its build.
EVENT_ENVELOPE: tuple[str, ...] = (
    "message_id",
    "user_id",
    "load_id",
    "event",
    "rasa_version",
    "project_fingerprint",
    "directory_hash",
    "is_ci",
    "is_docker",
    "event_at",
)

#: The events model's last column: the event's own properties, typed by the per-event models.
PROPERTIES = _raw("properties", "json", "json")

#: The raw.events columns the envelope model reads (nothing else: never ``message``).
RAW_COLUMNS: tuple[str, ...] = (*(column.raw for column in ENVELOPE if column.raw), "context", "properties")

#: The per-event models' own columns after their properties: what typing found.
TYPE_VIOLATIONS_TYPE = "struct(property varchar, expected_type varchar, is_nullable boolean, raw_value varchar)[]"
#: The same on Apache Spark.
SPARK_TYPE_VIOLATIONS_TYPE = "array<struct<property:string,expected_type:string,is_nullable:boolean,raw_value:string>>"
QUALITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("property_type_violations", TYPE_VIOLATIONS_TYPE),
    ("unknown_properties", "varchar[]"),
)


def event_envelope() -> tuple[EnvelopeColumn, ...]:
    """The envelope columns of a per-event model, in the envelope's order."""
    unknown = set(EVENT_ENVELOPE) - {column.name for column in ENVELOPE}
    if unknown:
        raise ValueError(f"EVENT_ENVELOPE names columns the envelope does not have: {sorted(unknown)}")
    return tuple(column for column in ENVELOPE if column.name in EVENT_ENVELOPE)
