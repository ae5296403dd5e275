"""The sample-data generator: determinism, Segment S3 layout, manifest exactness and wire-format quirks."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

# `pytest` (unlike `python -m pytest`) does not put the repo root on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import spec
from common.reasons import REJECT_REASONS
from common.settings import MAX_LINE_BYTES
from loaders.generate import _encode, generate, line, message

ENVELOPE_KEYS = [
    "channel",
    "context",
    "event",
    "integrations",
    "messageId",
    "projectId",
    "properties",
    "receivedAt",
    "timestamp",
    "type",
    "userId",
    "version",
]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MARKERS = {
    "Markers Extraction Initiated",
    "Markers Parsed",
    "Markers Extracted",
    "Markers Statistics Computed",
}
REFERENCE_2X = {
    "Training Started",
    "Training Completed",
    "Model Core Tested",
    "Model NLU Tested",
    "Interactive Learning Started",
    "Server Started",
    "Shell Started",
    "Rasa X Local Started",
    "Training Data Split",
    "Training Data Validated",
    "Training Data Converted",
    "Tracker Exported",
    "Story Visualization Started",
    "Telemetry Disabled",
    "Project Created",
}


def read_archive(out: Path, manifest: dict) -> list[tuple[str, bytes]]:
    """Every non-blank line as (file, raw bytes), in file order."""
    rows = []
    for rel in manifest["files"]:
        data = gzip.decompress((out / rel).read_bytes())
        assert data.endswith(b"\n")
        rows += [(rel, raw) for raw in data.split(b"\n")[:-1] if raw.strip()]
    return rows


def classify(raw: bytes) -> str | dict:
    """The reject reason of a line, or the parsed message (an independent reading of the contract)."""
    if len(raw) > MAX_LINE_BYTES:
        return "too_large"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    try:
        msg = json.loads(text)
    except ValueError:
        return "invalid_json"
    if not isinstance(msg, dict):
        return "not_an_object"
    if not isinstance(msg.get("event"), str) or not msg["event"].strip():
        return "missing_event"
    if not isinstance(msg.get("userId"), str) or not msg["userId"].strip():
        return "missing_user_id"
    return msg


class Archive:
    def __init__(self, out: Path, manifest: dict) -> None:
        self.out, self.manifest = out, manifest
        self.lines = read_archive(out, manifest)
        self.rejects: Counter[str] = Counter()
        self.messages: dict[str, dict] = {}  # messageId -> first message
        self.first: dict[str, tuple[str, bytes]] = {}
        self.duplicates: list[tuple[str, str, bytes]] = []  # (messageId, file, raw)
        for rel, raw in self.lines:
            result = classify(raw)
            if isinstance(result, str):
                self.rejects[result] += 1
            elif result["messageId"] in self.messages:
                self.duplicates.append((result["messageId"], rel, raw))
            else:
                self.messages[result["messageId"]] = result
                self.first[result["messageId"]] = (rel, raw)

    def by_event(self, event: str) -> list[dict]:
        return [msg for msg in self.messages.values() if msg["event"] == event]


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    out = tmp_path_factory.mktemp("dirty")
    return Archive(out, generate(out, events=3000, days=4, seed=11, bad_fraction=0.03))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    out = tmp_path_factory.mktemp("clean")
    return Archive(out, generate(out, events=2500, days=3, seed=5, start=dt.date(2022, 6, 1)))


def test_same_arguments_give_byte_identical_archives(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", events=400, days=2, seed=3, bad_fraction=0.05)
    second = generate(tmp_path / "b", events=400, days=2, seed=3, bad_fraction=0.05)
    assert first == second
    for rel in [*first["files"], "manifest.json"]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    other = generate(tmp_path / "c", events=400, days=2, seed=4, bad_fraction=0.05)
    assert other["files"] != first["files"]


def test_regenerating_into_the_same_folder_replaces_the_old_archive(tmp_path: Path) -> None:
    generate(tmp_path, events=300, days=3, seed=1)
    manifest = generate(tmp_path, events=200, days=1, seed=2)
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.gz"))
    assert on_disk == sorted(manifest["files"])


def test_layout_is_segment_s3(clean: Archive) -> None:
    manifest = clean.manifest
    assert len(manifest["files"]) > manifest["days"]  # several files per day
    days_seen = set()
    for rel, raw in clean.lines:
        root, source_id, day_ms, name = rel.split("/")
        assert (root, source_id) == ("segment-logs", manifest["source_id"])
        assert re.fullmatch(r"\d{13}\.[0-9a-f]{12}\.gz", name)
        msg = json.loads(raw)
        received = dt.datetime.strptime(msg["receivedAt"], "%Y-%m-%dT%H:%M:%S.%f%z")
        day_start = received.replace(hour=0, minute=0, second=0, microsecond=0)
        assert int(day_start.timestamp() * 1000) == int(day_ms)
        days_seen.add(day_start.date())
    assert min(days_seen) == dt.date(2022, 6, 1) and max(days_seen) <= dt.date(2022, 6, 3)


def test_messages_have_the_segment_enriched_shape(clean: Archive) -> None:
    for msg in clean.messages.values():
        assert list(msg) in (ENVELOPE_KEYS, [*ENVELOPE_KEYS, "writeKey"])  # Segment sorts keys
        assert msg["channel"] == "server" and msg["type"] == "track" and msg["version"] == 2
        assert msg["integrations"] == {} and msg["projectId"] == clean.manifest["source_id"]
        assert re.fullmatch(r"api-[0-9A-Za-z]{27}", msg["messageId"])
        assert re.fullmatch(r"[0-9a-f]{32}", msg["userId"])
        assert ISO_MS.match(msg["receivedAt"]) and msg["timestamp"] == msg["receivedAt"]
        assert list(msg["properties"])[-1] == "metrics_id" and msg["properties"]["metrics_id"] == msg["userId"]
        context = msg["context"]
        assert list(context) == sorted(context)
        assert context["library"] == {"name": "unknown", "version": "unknown"}
        assert re.fullmatch(r"[0-9a-f]{64}", context["directory"])
        assert context["project"] is None or re.fullmatch(r"[0-9a-f]{64}", context["project"])


def test_fast_line_equals_full_encoding(dirty: Archive) -> None:
    # `line` splices pre-encoded pipeline/policies JSON; it must equal a plain encode of the message.
    from loaders.sample_events import PIPELINES, POLICIES, Install

    inst = Install(0, "a" * 32, "3.5.17", (3, 5), "dev", '{"ci":false}', "d" * 64, None, {}, {}, [], {}, 0, 1)
    props = {
        "language": "en",
        "training_id": "t",
        "pipeline": PIPELINES[0],
        "policies": POLICIES[1],
        "num_slots": 1,
        "metrics_id": "a" * 32,
    }
    for properties in (props, {**props, "pipeline": "supervised_embeddings"}, {"metrics_id": "x"}):
        rec = [1672621200123, 0, "Training Started", properties]
        assert line(rec, inst, "api-x", "src") == _encode(message(rec, inst, "api-x", "src"))


@pytest.mark.parametrize("name", ["clean", "dirty"])
def test_manifest_is_exact(name: str, request: pytest.FixtureRequest) -> None:
    archive: Archive = request.getfixturevalue(name)
    manifest = archive.manifest
    assert manifest["lines"] == len(archive.lines)
    assert manifest["lines"] == manifest["accepted"] + manifest["duplicates"] + sum(manifest["rejects"].values())
    assert manifest["accepted"] == manifest["events"] == len(archive.messages)
    assert manifest["duplicates"] == len(archive.duplicates) > 0
    assert manifest["rejects"] == {reason: archive.rejects[reason] for reason in REJECT_REASONS}
    assert manifest["events_by_name"] == dict(Counter(msg["event"] for msg in archive.messages.values()))
    writekeys = sum(b'"writeKey"' in raw for _, raw in archive.lines if isinstance(classify(raw), dict))
    assert manifest["writekey_lines"] == writekeys > 0
    assert (archive.out / "manifest.json").read_text() == json.dumps(manifest, indent=2) + "\n"


def _ms(iso: str) -> int:
    return int(dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def test_files_are_copied_after_their_messages_arrive(dirty: Archive) -> None:
    # File names start with Segment's copy time: after every message inside, and within a few hours of
    # the first copy of each message (files hold ~3 hours each, copied at about :40).
    copy_ms = {rel: int(rel.rsplit("/", 1)[1].split(".")[0]) for rel in dirty.manifest["files"]}
    for message_id, (rel, _) in dirty.first.items():
        lag = copy_ms[rel] - _ms(dirty.messages[message_id]["receivedAt"])
        assert 0 < lag <= (3 * 60 + 41) * 60_000
    for message_id, rel, _ in dirty.duplicates:
        assert copy_ms[rel] > _ms(dirty.messages[message_id]["receivedAt"])


def test_duplicates_are_identical_copies_in_a_later_file_of_the_same_day(dirty: Archive) -> None:
    files = dirty.manifest["files"]
    for message_id, rel, raw in dirty.duplicates:
        first_rel, first_raw = dirty.first[message_id]
        assert raw == first_raw and b'"writeKey"' not in raw
        assert files.index(rel) >= files.index(first_rel) and rel.split("/")[2] == first_rel.split("/")[2]
    assert any(rel != dirty.first[mid][0] for mid, rel, _ in dirty.duplicates)


def test_every_event_type_is_present(clean: Archive, dirty: Archive) -> None:
    for archive in (clean, dirty):
        assert set(archive.manifest["events_by_name"]) >= REFERENCE_2X | MARKERS
        assert all(archive.manifest["events_by_name"][event] > 0 for event in REFERENCE_2X | MARKERS)


def test_wire_format_quirks(clean: Archive) -> None:
    started = {msg["properties"]["training_id"]: msg for msg in clean.by_event("Training Started")}
    completed = {msg["properties"]["training_id"]: msg for msg in clean.by_event("Training Completed")}
    assert set(completed) <= set(started) and len(set(started) - set(completed)) > 0  # failed trainings
    assert all(type(msg["properties"]["runtime"]) is int for msg in completed.values())
    assert min(msg["properties"]["runtime"] for msg in completed.values()) == 0
    by_user: dict[str, list[dict]] = {}
    for msg in sorted(clean.messages.values(), key=lambda m: m["receivedAt"]):
        by_user.setdefault(msg["userId"], []).append(msg)
    nested = {"2": 0, "3": 0}
    for outer_id, outer in started.items():
        if outer_id not in completed or outer["properties"]["type"] != "rasa":
            continue
        span = (outer["receivedAt"], completed[outer_id]["receivedAt"])
        inner = [
            m
            for m in by_user[outer["userId"]]
            if m["event"] == "Training Started" and span[0] < m["receivedAt"] < span[1]
        ]
        for msg in inner:
            inner_id = msg["properties"]["training_id"]
            assert inner_id != outer_id and span[0] < completed[inner_id]["receivedAt"] <= span[1]
        nested[outer["context"]["rasa_open_source"][0]] += bool(inner)
    assert nested["2"] > 0 and nested["3"] > 0
    for msg in clean.messages.values():
        version = tuple(int(part) for part in msg["context"]["rasa_open_source"].split("."))
        assert version < (3, 6, 10)
        assert ("gpu" in msg["context"]) == (version < (2, 5))
        if msg["event"] in MARKERS:
            assert version >= (3, 0)
        if msg["event"] == "Rasa X Local Started":
            assert version < (3, 3)
        if msg["event"] == "Training Started":
            assert ("is_finetuning" in msg["properties"]) == (version >= (2, 2))
            assert ("num_conditional_response_variations" in msg["properties"]) == (version >= (2, 6))
            assert ("recipe" in msg["properties"]) == (version >= (3, 1))
            assert version < (3,) or msg["properties"]["is_finetuning"] is False
    servers = [msg["properties"] for msg in clean.by_event("Server Started")]
    assert all(props["endpoints_model_server"] is None for props in servers)
    assert any(props["endpoints_tracker_store"] is not None for props in servers)
    assert {"Telemetry Disabled"} == {
        by_user[msg["userId"]][-1]["event"] for msg in clean.by_event("Telemetry Disabled")
    }
    assert any(msg["properties"]["pipeline"] is None for msg in started.values())  # no config file


def _type_ok(value: object, json_type: str, nullable: bool) -> bool:
    if value is None:
        return nullable
    checks = {
        "integer": lambda v: type(v) is int,
        "number": lambda v: type(v) in (int, float),
        "boolean": lambda v: type(v) is bool,
        "string": lambda v: type(v) is str,
        "array<string>": lambda v: type(v) is list and all(type(x) is str for x in v),
        "array<object>": lambda v: type(v) is list and all(type(x) is dict for x in v),
        "object": lambda v: type(v) is dict,
    }
    return checks[json_type](value)


@pytest.mark.skipif(not spec.SPEC_PATH.exists(), reason="spec seed not written yet")
@pytest.mark.parametrize("name", ["clean", "dirty"])
def test_spec_deviations_match_the_manifest(name: str, request: pytest.FixtureRequest) -> None:
    archive: Archive = request.getfixturevalue(name)
    events = {event: {p.property: p for p in props} for event, props in spec.events().items()}
    violations: dict[str, Counter[str]] = {}
    unknown_properties: dict[str, Counter[str]] = {}
    unknown_events: Counter[str] = Counter()
    for msg in archive.messages.values():
        if msg["event"] not in events:
            unknown_events[msg["event"]] += 1
            continue
        for prop, value in msg["properties"].items():
            known = events[msg["event"]].get(prop)
            if known is None:
                unknown_properties.setdefault(msg["event"], Counter())[prop] += 1
            elif not _type_ok(value, known.json_type, known.nullable):
                violations.setdefault(msg["event"], Counter())[prop] += 1
    manifest = archive.manifest
    assert violations == manifest["type_violations"]
    assert unknown_properties == manifest["unknown_properties"]
    assert unknown_events == manifest["unknown_events"]
    if name == "dirty":
        assert len(violations) >= 5 and unknown_events and unknown_properties


def test_bad_fraction_produces_every_reject_reason(dirty: Archive) -> None:
    manifest = dirty.manifest
    assert all(manifest["rejects"][reason] >= 1 for reason in REJECT_REASONS)
    bad = sum(manifest["rejects"].values())
    assert 0.02 < bad / manifest["lines"] < 0.04  # about bad_fraction (0.03) of all lines
    assert 1 <= manifest["rejects"]["too_large"] <= 3
    assert sum(len(props) for props in manifest["type_violations"].values()) >= 10


def test_clean_archive_has_no_bad_lines(clean: Archive) -> None:
    manifest = clean.manifest
    assert sum(manifest["rejects"].values()) == 0 and not clean.rejects
    assert manifest["type_violations"] == manifest["unknown_events"] == manifest["unknown_properties"] == {}
    assert manifest["blank_lines"] == 0
    raw_lines = [
        raw for rel in manifest["files"] for raw in gzip.decompress((clean.out / rel).read_bytes()).split(b"\n")[:-1]
    ]
    assert all(raw.strip() for raw in raw_lines)


def test_rejects_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, events=10, days=0, seed=1)
    with pytest.raises(ValueError):
        generate(tmp_path, events=10, days=1, seed=1, bad_fraction=0.7)


def test_progress_adds_up_to_events(tmp_path: Path) -> None:
    calls: list[int] = []
    manifest = generate(tmp_path, events=500, days=2, seed=8, bad_fraction=0.02, progress=calls.append)
    assert sum(calls) == 500 and len(calls) == len(manifest["files"])
