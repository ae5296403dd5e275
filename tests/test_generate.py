"""The sample-data generator: determinism, Segment S3 layout, manifest exactness and wire-format quirks."""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

# `pytest` (unlike `python -m pytest`) does not put the repo root on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import spec
from common.reasons import REJECT_REASONS
from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from generator import generate, sessions, writer
from generator.bad_lines import BAD_KINDS, TOO_DEEP_LEVELS
from generator.catalog import PIPELINES, POLICIES
from generator.envelope import LineEncoder, encode, message
from generator.installations import plan_installations
from generator.rng import FastRandom
from generator.timeline import MARGIN_MS, WINDOW_MS, Timeline

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


def nesting_depth(text: str) -> int:
    """How deep objects and arrays nest, outside strings."""
    if text.count("{") + text.count("[") <= MAX_DEPTH:  # cannot be deeper: skip the scan
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "}]":
            depth -= 1
    return deepest


def parses(text: str, depth: int) -> bool:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 2 * depth + 1000))  # Python's parser recurses once per level
    try:
        json.loads(text)
        return True
    except ValueError:
        return False
    finally:
        sys.setrecursionlimit(limit)


def classify(raw: bytes) -> str | dict:
    """The reject reason of a line, or the parsed message (an independent reading of the contract)."""
    if len(raw) > MAX_LINE_BYTES:
        return "too_large"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:  # valid JSON nested deeper than MAX_DEPTH (the planned `too_deep`)
        return "too_deep" if parses(text, depth) else "invalid_json"
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
    in_process = generate(tmp_path / "d", events=400, days=2, seed=3, bad_fraction=0.05, workers=0)
    for rel in [*first["files"], "manifest.json"]:  # the writer processes change nothing
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "d" / rel).read_bytes()
    assert in_process == first


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
        assert ksuid_seconds(msg["messageId"]) == _ms(msg["receivedAt"]) // 1000  # a KSUID of its receive time
        assert re.fullmatch(r"[0-9a-f]{32}", msg["userId"])
        assert ISO_MS.match(msg["receivedAt"]) and msg["timestamp"] == msg["receivedAt"]
        assert list(msg["properties"])[-1] == "metrics_id" and msg["properties"]["metrics_id"] == msg["userId"]
        context = msg["context"]
        assert list(context) == sorted(context)
        assert context["library"] == {"name": "unknown", "version": "unknown"}
        assert re.fullmatch(r"[0-9a-f]{64}", context["directory"])
        assert context["project"] is None or re.fullmatch(r"[0-9a-f]{64}", context["project"])


def test_fast_line_equals_full_encoding() -> None:
    # The encoder splices pre-encoded pipeline/policies JSON; it must equal a plain encode of the message.
    props = {
        "language": "en",
        "training_id": "t",
        "pipeline": PIPELINES[0],
        "policies": POLICIES[1],
        "num_slots": 1,
        "metrics_id": "a" * 32,
    }
    encoder = LineEncoder("src")
    for properties in (props, {**props, "pipeline": "supervised_embeddings"}, {"metrics_id": "x"}):
        args = (1672621200123, "Training Started", properties, "a" * 32, '{"ci":false}', "api-x")
        plain = json.dumps(message(*args, "src"), separators=(",", ":"))
        assert encoder.line(*args) == plain == encode(message(*args, "src"))
        assert encoder.line(*args, "KEY") == plain[:-1] + ',"writeKey":"KEY"}'
    assert message(*args, "src")["receivedAt"] == "2023-01-02T01:00:00.123Z"


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
    return round(dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def ksuid_seconds(message_id: str) -> int:
    """The Unix time a KSUID message id (``api-`` + 27 base62 digits: 4-byte time, 16 random bytes) holds."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = 0
    for char in message_id.removeprefix("api-"):
        value = value * 62 + digits.index(char)
    assert value < 2**160
    return (value >> 128) + 1_400_000_000


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


def test_sessions_and_installations_cross_file_and_day_boundaries(clean: Archive) -> None:
    """Streaming keeps cross-window state: a training can start in one file and complete in the next, and an
    installation is active on several days."""
    file_of = {msg_id: rel for msg_id, (rel, _) in clean.first.items()}
    started = {msg["properties"]["training_id"]: msg_id for msg_id, msg in clean.messages.items()
               if msg["event"] == "Training Started"}  # fmt: skip
    split = [
        msg_id
        for msg_id, msg in clean.messages.items()
        if msg["event"] == "Training Completed"
        and file_of[started[msg["properties"]["training_id"]]] != file_of[msg_id]
    ]
    assert split
    days: dict[str, set[str]] = {}
    for msg_id, msg in clean.messages.items():
        days.setdefault(msg["userId"], set()).add(file_of[msg_id].split("/")[2])
    assert sum(len(seen) > 1 for seen in days.values()) >= 10


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


def test_the_cycle_collector_is_off_while_generating_and_restored_after(tmp_path: Path) -> None:
    """generator.archive.no_cycle_collector: off for the run (it cost a third of a 10M run), back on after,
    also when the run fails."""
    seen: list[bool] = []
    generate(tmp_path / "ok", events=200, days=1, seed=3, progress=lambda _: seen.append(gc.isenabled()))
    assert seen and not any(seen) and gc.isenabled()
    with pytest.raises(ValueError):
        generate(tmp_path / "bad", events=-1, days=1, seed=3)
    assert gc.isenabled()


@pytest.mark.parametrize(("events", "days", "bad_fraction"), [(0, 1, 0.0), (1, 1, 0.2), (37, 1, 0.1), (600, 30, 0.1)])
def test_any_size_is_exact(tmp_path: Path, events: int, days: int, bad_fraction: float) -> None:
    archive = Archive(tmp_path, generate(tmp_path, events=events, days=days, seed=2, bad_fraction=bad_fraction))
    manifest = archive.manifest
    assert manifest["accepted"] == events == len(archive.messages)
    assert manifest["lines"] == len(archive.lines) and manifest["duplicates"] == len(archive.duplicates)
    assert manifest["rejects"] == {reason: archive.rejects[reason] for reason in REJECT_REASONS}
    assert all(manifest["rejects"].values()) == (events > 0 and bad_fraction > 0)


def test_files_are_written_while_events_are_still_being_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming: the first file is on disk before most sessions exist (a generator holding the whole archive
    in memory makes every event first)."""
    made = {"events": 0, "at_first_file": None}
    emit = sessions.Session.emit

    def counting_emit(self: sessions.Session, *args: object, **kwargs: object) -> None:
        made["events"] += 1
        emit(self, *args, **kwargs)

    def first_file(messages: int) -> None:
        if made["at_first_file"] is None:
            assert list(tmp_path.rglob("*.gz")) and not (tmp_path / "manifest.json").exists()
            made["at_first_file"] = made["events"]

    monkeypatch.setattr(sessions.Session, "emit", counting_emit)
    manifest = generate(tmp_path, events=20_000, days=8, seed=4, progress=first_file)
    assert len(manifest["files"]) >= 60
    assert made["at_first_file"] is not None and made["at_first_file"] < 0.2 * made["events"]


def test_the_timeline_holds_only_what_is_active() -> None:
    """Window by window, the pools hold exactly the installations that may start a session, and nothing is
    buffered for windows already handed out."""
    rng, start_ms, days = FastRandom(3), 1672617600000, 10
    plan = plan_installations(rng, 20_000, start_ms, start_ms + days * 86_400_000)
    timeline, total = Timeline(rng, plan, 20_000, start_ms, days), 0
    for w, records in timeline:
        begin = start_ms + w * WINDOW_MS
        pooled = [(inst, at) for pool in timeline.pools.values() for at, inst in enumerate(pool)]
        assert {inst.index: at for inst, at in pooled} == timeline.position
        assert all(inst.first_ms < begin + WINDOW_MS and inst.last_ms - MARGIN_MS > begin for inst, _ in pooled)
        assert all(later > w for later in timeline.buffers) and all(
            begin <= rec[0] < begin + WINDOW_MS for rec in records
        )
        total += len(records)
    assert total == 20_000


PEAK_RSS = """
import resource, sys
from generator import generate
if __name__ == "__main__":
    generate(sys.argv[1], events=int(sys.argv[2]), days=int(sys.argv[3]), seed=1, bad_fraction=0.001)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss_mb(out: Path, events: int, days: int) -> tuple[float, float]:
    """Peak RSS in MB of the generator's process and of its largest writer process."""
    result = subprocess.run([sys.executable, "-c", PEAK_RSS, str(out), str(events), str(days)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    main_kb, worker_kb = result.stdout.split()
    return int(main_kb) / 1024, int(worker_kb) / 1024


def test_memory_does_not_grow_with_the_archive(tmp_path: Path) -> None:
    """Ten times the archive at the same events per day: peak memory stays put (the in-memory generator
    this replaced grew about 1 GB per million events)."""
    small = _peak_rss_mb(tmp_path / "small", 15_000, 3)
    large = _peak_rss_mb(tmp_path / "large", 150_000, 30)
    assert large[0] < small[0] + 15, (small, large)  # main process, MB
    assert large[1] < small[1] + 15, (small, large)  # largest writer process, MB


def test_a_failed_run_leaves_no_partial_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    real = writer.write_file

    def fail_third(path: str, items: list, source_id: str) -> int:
        if len(written) == 2:
            raise OSError("disk full")
        written.append(path)
        return real(path, items, source_id)

    monkeypatch.setattr(writer, "write_file", fail_third)
    with pytest.raises(OSError, match="disk full"):
        generate(tmp_path, events=2000, days=2, seed=1, workers=0)
    assert len(written) == 2 and not list(tmp_path.rglob("*.gz")) and not (tmp_path / "manifest.json").exists()


def test_every_reject_reason_needs_a_bad_line_maker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REJECT_REASONS, "too_shiny", "a reason the generator cannot make")
    with pytest.raises(LookupError, match="too_shiny"):
        generate(tmp_path, events=200, days=1, seed=1, bad_fraction=0.1)
    assert generate(tmp_path, events=200, days=1, seed=1)["rejects"]["too_shiny"] == 0  # clean: no maker needed


def test_too_deep_maker_makes_valid_json_nested_past_max_depth() -> None:
    good = json.loads(json.dumps({"event": "Shell Started", "userId": "u" * 32, "properties": {"metrics_id": "u"}}))
    raw = BAD_KINDS["too_deep"].make(sessions.random.Random(1), good)
    assert len(raw) <= MAX_LINE_BYTES and nesting_depth(raw.decode()) > TOO_DEEP_LEVELS > MAX_DEPTH
    assert classify(raw) == "too_deep"  # valid JSON; a message in every other respect
    assert classify(raw.replace(b"null", b"nul", 1)) == "invalid_json"


def test_a_new_reject_reason_lands_in_the_archive_and_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the loader learns `too_deep` (it joins REJECT_REASONS), archives carry it with no other change."""
    monkeypatch.setitem(REJECT_REASONS, "too_deep", "valid JSON nested deeper than MAX_DEPTH")
    archive = Archive(tmp_path, generate(tmp_path, events=1500, days=2, seed=9, bad_fraction=0.02))
    assert archive.manifest["rejects"]["too_deep"] >= 1
    assert archive.manifest["rejects"] == {reason: archive.rejects[reason] for reason in REJECT_REASONS}


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "7"}  # another hash seed than this process: output must not care
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parent.parent)  # fmt: skip


def test_cli_help_summary_and_exit_codes(tmp_path: Path) -> None:
    assert "usage: python -m generator" in _cli("--help").stdout
    done = _cli("--events", "300", "--days", "2", "--seed", "3", "--bad-fraction", "0.05", "--out", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    [summary] = done.stdout.splitlines()
    assert summary.startswith(f"{len(manifest['files'])} files, {manifest['lines']:,} lines: 300 messages")
    assert generate(tmp_path / "same", events=300, days=2, seed=3, bad_fraction=0.05) == manifest
    for rel in [*manifest["files"], "manifest.json"]:
        assert (tmp_path / "same" / rel).read_bytes() == (tmp_path / "a" / rel).read_bytes()
    bad = _cli("--events", "10", "--days", "0", "--out", str(tmp_path / "b"))
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
    foreign = tmp_path / "c" / "segment-logs" / "x" / "1.gz"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"")
    refused = _cli("--events", "10", "--days", "1", "--out", str(tmp_path / "c"))
    assert refused.returncode == 2 and "not written by this generator" in refused.stderr and foreign.exists()
