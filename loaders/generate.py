"""Sample data: a deterministic Segment S3 archive of Rasa telemetry (``python -m loaders generate``).

Writes ``out/segment-logs/<source-id>/<UTC day start ms>/<copy ms>.<hex>.gz`` (gzipped NDJSON, one
Segment-enriched track call per line, as in wire-format.md §5-6) and ``out/manifest.json``, which
states exactly what a correct loader must accept, drop as a duplicate or reject.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gzip
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common.reasons import REJECT_REASONS
from common.settings import MAX_LINE_BYTES
from loaders.sample_events import (
    HOUR,
    KINDS,
    MENUS,
    MINUTE,
    SECOND,
    SESSION_MAX_MS,
    SESSIONS,
    TOUR,
    VERSIONS,
    Install,
    Record,
    Session,
    make_install,
    uuid_hex,
)

DEFAULT_START = dt.date(2023, 1, 2)
DAY_MS = 86_400_000
FILE_SPAN_MS = 3 * HOUR  # Segment copies about hourly; we write one file per 3 hours that has events
DUPLICATE_RATE = 0.005
WRITEKEY_RATE = 0.0005
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KSUID_EPOCH = 1_400_000_000
BAD_WEIGHTS = {
    "invalid_json": 30,
    "not_an_object": 12,
    "missing_event": 20,
    "missing_user_id": 20,
    "invalid_utf8": 18,
}

# Type violations on accepted messages: (event, property, corrupt(value)) -- each breaks the spec type.
VIOLATIONS: list[tuple[str, str, Callable[[Any], Any]]] = [
    ("Training Started", "num_intent_examples", str),  # integer sent as string
    ("Training Started", "num_actions", lambda v: v + 0.5),  # integer sent as number
    ("Training Started", "is_finetuning", lambda v: "false"),  # boolean sent as string
    ("Training Started", "pipeline", lambda v: "supervised_embeddings"),  # array<object> sent as string
    ("Training Completed", "runtime", lambda v: v + 0.25),  # integer sent as number
    ("Server Started", "number_of_workers", str),
    ("Server Started", "input_channels", lambda v: "rest"),  # array<string> sent as string
    ("Server Started", "api_enabled", lambda v: "true"),
    ("Training Data Split", "fraction", lambda v: "0.8"),  # number sent as string
    ("Shell Started", "type", lambda v: 1),  # string sent as integer
    ("Model NLU Tested", "num_intent_examples", lambda v: None),  # null where not nullable
    ("Model Core Tested", "end_to_end", lambda v: "False"),
    ("Training Data Validated", "validation_success", lambda v: None),
    ("Project Created", "init_directory", lambda v: [v]),  # string sent as list
    ("Tracker Exported", "number_of_exported_events", lambda v: v + 0.5),
    ("Markers Parsed", "marker_count", str),
    ("Interactive Learning Started", "save_in_e2e", lambda v: 0),  # boolean sent as integer
]
UNKNOWN_PROPERTIES: list[tuple[str, str, Callable[[random.Random], Any]]] = [
    ("Training Started", "num_chunks", lambda rng: rng.randint(1, 4)),  # documented, never sent
    ("Server Started", "assistant_id", lambda rng: "placeholder_default"),  # Rasa Pro
    ("Shell Started", "conversation_id", uuid_hex),
]
UNKNOWN_EVENTS: list[tuple[str, Callable[[random.Random], dict]]] = [  # Rasa Pro event names
    ("Training Failed", lambda rng: {"training_id": uuid_hex(rng), "type": "rasa"}),
    ("Inspect Started", lambda rng: {}),
    ("E2E Test Run Started", lambda rng: {"number_of_test_cases": rng.randint(1, 40)}),
]
_encode = json.JSONEncoder(separators=(",", ":")).encode


_DAYS: dict[int, str] = {}
_TRIPLES = [a + b + c for a in BASE62 for b in BASE62 for c in BASE62]  # base62 digit triples


def iso(ms: int) -> str:
    """``2023-01-02T09:14:02.117Z`` for epoch milliseconds."""
    day, rest = divmod(ms, DAY_MS)
    if day not in _DAYS:
        _DAYS[day] = dt.datetime.fromtimestamp(day * 86_400, dt.UTC).strftime("%Y-%m-%dT")
    hours, rest = divmod(rest, HOUR)
    minutes, rest = divmod(rest, MINUTE)
    return f"{_DAYS[day]}{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}Z"


def ksuid(ms: int, rng: random.Random) -> str:
    """A Segment HTTP-API message id: ``api-`` + 27-char base62 KSUID (4-byte time, 16 random bytes)."""
    value = ((ms // 1000 - KSUID_EPOCH) << 128) | rng.getrandbits(128)
    parts = []
    for _ in range(9):
        value, triple = divmod(value, 238_328)  # 62**3
        parts.append(_TRIPLES[triple])
    return "api-" + "".join(reversed(parts))


def message(rec: Record, inst: Install, message_id: str, source_id: str) -> dict:
    """The full Segment message for a record, keys in Segment's (alphabetical) order."""
    ts = iso(rec[0])
    return {
        "channel": "server",
        "context": json.loads(inst.context_json),
        "event": rec[2],
        "integrations": {},
        "messageId": message_id,
        "projectId": source_id,
        "properties": rec[3],
        "receivedAt": ts,
        "timestamp": ts,
        "type": "track",
        "userId": inst.user_id,
        "version": 2,
    }


_FRAGMENTS: dict[tuple[int, int], tuple[list, list, str]] = {}


def _properties_json(props: dict) -> str:
    """``_encode(props)``, with the (shared, long) pipeline/policies JSON encoded once per config."""
    pipeline, policies = props.get("pipeline"), props.get("policies")
    if type(pipeline) is not list or type(policies) is not list:
        return _encode(props)
    cached = _FRAGMENTS.get((id(pipeline), id(policies)))
    if cached is None or cached[0] is not pipeline or cached[1] is not policies:
        cached = (pipeline, policies, _encode({"pipeline": pipeline, "policies": policies})[1:-1])
        _FRAGMENTS[(id(pipeline), id(policies))] = cached
    return _encode({**props, "pipeline": 0, "policies": 0}).replace('"pipeline":0,"policies":0', cached[2], 1)


def line(rec: Record, inst: Install, message_id: str, source_id: str, write_key: str = "") -> str:
    """Fast path of ``_encode(message(...))`` (plus an optional trailing ``writeKey``)."""
    ts = iso(rec[0])
    tail = f',"writeKey":"{write_key}"' if write_key else ""
    return (
        f'{{"channel":"server","context":{inst.context_json},"event":{_encode(rec[2])},"integrations":{{}},'
        f'"messageId":"{message_id}","projectId":"{source_id}","properties":{_properties_json(rec[3])},'
        f'"receivedAt":"{ts}","timestamp":"{ts}","type":"track","userId":"{inst.user_id}","version":2{tail}}}'
    )


def build_records(rng: random.Random, n_events: int, start_ms: int, end_ms: int) -> tuple[list[Install], list[Record]]:
    """Installations and exactly ``n_events`` records, sorted by time."""
    span = end_ms - start_ms
    margin = SESSION_MAX_MS + 2 * MINUTE
    versions, vweights = list(VERSIONS), list(VERSIONS.values())

    def window() -> tuple[int, int]:
        first = start_ms + int(rng.random() * (span - margin - HOUR))
        return first, min(end_ms - 1, first + margin + HOUR + int(rng.random() * span))

    installs = [make_install(rng, i, kind, version, window()) for i, (kind, version, _) in enumerate(TOUR)]
    for index in range(len(installs), max(len(TOUR) + 4, n_events // 30)):
        kind = rng.choices(["dev", "ci", "server"], [70, 10, 20])[0]
        installs.append(make_install(rng, index, kind, rng.choices(versions, vweights)[0], window()))
    for inst in installs[len(TOUR) :]:
        inst.disabled = inst.kind == "dev" and rng.random() < 0.03
    next((inst for inst in installs[len(TOUR) :] if inst.kind == "dev"), installs[-1]).disabled = True
    disabled = [inst for inst in installs if inst.disabled][:n_events]
    target = n_events - len(disabled)
    records: list[Record] = []

    busy: dict[int, list[tuple[int, int]]] = {}  # install -> sorted (start, end) of its sessions

    def run(inst: Install, name: str) -> None:
        """Run a session at a random time when the installation is not already busy (else drop it)."""
        events: list[Record] = []
        SESSIONS[name](Session(rng, inst, 0, events))
        if not events:
            return
        length = events[-1][0] + SECOND
        intervals = busy.setdefault(inst.index, [])
        for _ in range(8):
            start = inst.first_ms + int(rng.random() * (inst.last_ms - margin - inst.first_ms))
            at = bisect.bisect(intervals, (start,))
            if (at == 0 or intervals[at - 1][1] < start) and (
                at == len(intervals) or start + length < intervals[at][0]
            ):
                intervals.insert(at, (start, start + length))
                records.extend([start + rec[0], *rec[1:]] for rec in events)
                return

    for inst, (_, _, names) in zip(installs, TOUR, strict=False):
        for name in names:
            run(inst, name)
    cum_weights = list(itertools.accumulate(KINDS[inst.kind] for inst in installs))
    menus = {kind: (list(menu), list(itertools.accumulate(menu.values()))) for kind, menu in MENUS.items()}
    while len(records) < target:  # weighted picks, as rng.choices but cheaper
        inst = installs[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]
        names, cum = menus[inst.kind]
        run(inst, names[bisect.bisect(cum, rng.random() * cum[-1])])
    del records[target:]
    records += [[inst.last_ms, inst.index, "Telemetry Disabled", {"metrics_id": inst.user_id}] for inst in disabled]
    records.sort(key=lambda rec: rec[0])
    return installs, records


def _pick(rng: random.Random, pool: list[int], taken: set[int], n: int) -> list[int]:
    free = [i for i in pool if i not in taken]
    chosen = rng.sample(free, min(n, len(free)))
    taken.update(chosen)
    return chosen


def _corrupt(rng: random.Random, records: list[Record], n: int, taken: set[int], manifest: dict) -> None:
    """Type violations, unknown properties and unknown events on accepted, non-duplicated messages."""
    by_event: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        by_event.setdefault(rec[2], []).append(i)
    for k, (event, prop, corrupt) in enumerate(VIOLATIONS):
        share = n // len(VIOLATIONS) + (k < n % len(VIOLATIONS))
        pool = [i for i in by_event.get(event, []) if prop in records[i][3]]
        for i in _pick(rng, pool, taken, max(1, share)):
            records[i][3] = {**records[i][3], prop: corrupt(records[i][3][prop])}
            manifest["type_violations"].setdefault(event, Counter())[prop] += 1
    n_unknown = max(3, n // 20)
    for k, (event, prop, value) in enumerate(UNKNOWN_PROPERTIES):
        for i in _pick(rng, by_event.get(event, []), taken, n_unknown // len(UNKNOWN_PROPERTIES) + (k == 0)):
            props = dict(records[i][3])
            metrics_id = props.pop("metrics_id")
            records[i][3] = {**props, prop: value(rng), "metrics_id": metrics_id}
            manifest["unknown_properties"].setdefault(event, Counter())[prop] += 1
    spare = [i for name, idx in by_event.items() if len(idx) > 20 and not name.startswith("Training") for i in idx]
    for k, i in enumerate(_pick(rng, sorted(spare), taken, n_unknown)):
        event, props = UNKNOWN_EVENTS[k % len(UNKNOWN_EVENTS)]
        records[i][2:4] = [event, {**props(rng), "metrics_id": records[i][3]["metrics_id"]}]
        manifest["unknown_events"][event] = manifest["unknown_events"].get(event, 0) + 1


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` split by ``weights``, every key at least 1."""
    counts = {key: max(1, total * w // sum(weights.values())) for key, w in weights.items()}
    counts[max(weights, key=weights.__getitem__)] += max(0, total - sum(counts.values()))
    return counts


def bad_line(rng: random.Random, reason: str, msg: dict) -> bytes:
    """One line that a loader must reject with ``reason`` (and for no other reason)."""
    text = _encode(msg)
    if reason == "invalid_json":
        variant = rng.randrange(3)
        if variant == 0:
            return text[: rng.randint(1, len(text) - 2)].encode()  # truncated copy
        return (text + rng.choice(["}", ",", "x", "]"]) if variant == 1 else repr(msg)).encode()
    if reason == "not_an_object":
        # Scalars only: the loader expands a JSON array line into one record per element.
        return rng.choice(['"x"', "42", "3.5", "true", "null", '"Training Started"']).encode()
    if reason == "missing_event":
        variant = rng.randrange(3)
        if variant == 2:  # an identify call: no event at all
            keep = ("channel", "context", "integrations", "messageId", "projectId", "receivedAt", "timestamp")
            msg = {
                **{k: msg[k] for k in keep},
                "traits": {"tracing_backend": None},
                "type": "identify",
                "userId": msg["userId"],
                "version": 2,
            }
        elif variant == 1:
            msg = {**msg, "event": ""}
        else:
            msg = {k: v for k, v in msg.items() if k != "event"}
        return _encode(msg).encode()
    if reason == "missing_user_id":
        return _encode({k: v for k, v in msg.items() if k != "userId"}).encode()
    if reason == "invalid_utf8":
        if rng.random() < 0.5:
            return text.encode().replace(b'"channel":"server"', b'"channel":"serv\xff\xfeer"', 1)
        return text.encode().replace(b'"type":"track"', b'"type":"tr\xe4ck"', 1)  # latin-1 byte
    if reason == "too_large":
        component = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}
        pipeline = [component] * (MAX_LINE_BYTES // len(_encode(component)) + 2000)
        data = _encode({**msg, "properties": {**msg["properties"], "pipeline": pipeline}}).encode()
        assert len(data) > MAX_LINE_BYTES
        return data
    raise ValueError(f"unknown reject reason {reason!r}")


def _clear_previous(out: Path) -> None:
    old = out / "manifest.json"
    if old.exists():
        for rel in json.loads(old.read_text()).get("files", []):
            (out / rel).unlink(missing_ok=True)
    foreign = sorted((out / "segment-logs").rglob("*.gz")) if (out / "segment-logs").exists() else []
    if foreign:
        raise FileExistsError(f"{out}/segment-logs already holds archives not written by this generator: {foreign[0]}")


def generate(
    out: Path,
    events: int,
    days: int,
    seed: int,
    bad_fraction: float = 0.0,
    start: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Write a Segment-S3-layout archive under `out` and return the manifest.

    The manifest is also written to out/manifest.json.
    """
    if events < 0 or days < 1 or not 0 <= bad_fraction < 0.5:
        raise ValueError("need events >= 0, days >= 1 and 0 <= bad_fraction < 0.5")
    out = Path(out)
    rng = random.Random(seed)
    start = start or DEFAULT_START
    start_ms = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp() * 1000)
    source_id = "".join(rng.choices(BASE62, k=10))
    installs, records = build_records(rng, events, start_ms, start_ms + days * DAY_MS) if events else ([], [])
    manifest: dict[str, Any] = {
        "seed": seed,
        "events": events,
        "days": days,
        "bad_fraction": bad_fraction,
        "source_id": source_id,
        "start": start.isoformat(),
        "files": [],
        "lines": 0,
        "accepted": len(records),
        "duplicates": 0,
        "rejects": dict.fromkeys(REJECT_REASONS, 0),
        "type_violations": {},
        "unknown_events": {},
        "unknown_properties": {},
        "writekey_lines": 0,
        "blank_lines": 0,
        "events_by_name": {},
    }
    taken: set[int] = set()  # records that must stay unique and unmarked
    if bad_fraction > 0 and records:
        _corrupt(rng, records, max(len(VIOLATIONS), round(bad_fraction * events * 0.3)), taken, manifest)
    manifest["events_by_name"] = dict(sorted(Counter(rec[2] for rec in records).items()))
    ids = [ksuid(rec[0], rng) for rec in records]
    buckets = [rec[0] // FILE_SPAN_MS for rec in records]
    file_keys = sorted(set(buckets))
    names = {
        b: f"{(b + 1) * FILE_SPAN_MS + 40 * MINUTE + rng.randrange(60_000)}.{rng.getrandbits(48):012x}.gz"
        for b in file_keys
    }
    first_row: dict[int, int] = {}
    for i, b in enumerate(buckets):
        first_row.setdefault(b, i)
    sizes = Counter(buckets)
    extras: dict[int, list[tuple[int, int, bytes]]] = {b: [] for b in file_keys}  # position, seq, line
    everything = range(len(records))
    write_keys = {i: uuid_hex(rng) for i in _pick(rng, everything, taken, round(len(records) * WRITEKEY_RATE))}
    for i in _pick(rng, everything, taken, round(len(records) * DUPLICATE_RATE)):
        day = [b for b in file_keys if b > buckets[i] and b * FILE_SPAN_MS // DAY_MS == records[i][0] // DAY_MS]
        target = rng.choice(day) if day else buckets[i]
        position = rng.randint(0, sizes[target]) if day else sizes[target]
        extras[target].append(
            (
                position,
                len(extras[target]),
                line(records[i], installs[records[i][1]], ids[i], source_id).encode(),
            )
        )
    manifest["duplicates"] = sum(map(len, extras.values()))
    if bad_fraction > 0 and records:
        good = len(records) + manifest["duplicates"]
        n_bad = max(len(REJECT_REASONS), round(bad_fraction * good / (1 - bad_fraction)))
        too_large = 1 + (n_bad >= 1000) + (n_bad >= 10_000)
        counts = _split(n_bad - too_large, BAD_WEIGHTS) | {"too_large": too_large}
        plan = [reason for reason in REJECT_REASONS for _ in range(counts[reason])] + [""] * 2  # "" = blank
        for reason in plan:
            anchor = rng.randrange(len(records))
            rec, target = records[anchor], buckets[anchor]
            msg = message(rec, installs[rec[1]], ksuid(rec[0], rng), source_id)
            data = bad_line(rng, reason, msg) if reason else b""
            extras[target].append((rng.randint(0, sizes[target]), len(extras[target]), data))
        manifest["rejects"] = {reason: counts[reason] for reason in REJECT_REASONS}
        manifest["blank_lines"] = 2
    manifest["writekey_lines"] = len(write_keys)
    manifest["lines"] = manifest["accepted"] + manifest["duplicates"] + sum(manifest["rejects"].values())

    _clear_previous(out)
    base = Path("segment-logs") / source_id
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: Future | None = None
        for b in file_keys:
            rel = base / str(b * FILE_SPAN_MS // DAY_MS * DAY_MS) / names[b]
            lines = [
                line(records[i], installs[records[i][1]], ids[i], source_id, write_keys.get(i, "")).encode()
                for i in range(first_row[b], first_row[b] + sizes[b])
            ]
            for position, _, data in sorted(extras[b], reverse=True):
                lines.insert(position, data)
            if pending:
                pending.result()
            pending = pool.submit(_write, out / rel, b"\n".join(lines) + b"\n")
            manifest["files"].append(rel.as_posix())
            if progress:
                progress(sizes[b])  # distinct messages, so the calls add up to `events`
        if pending:
            pending.result()
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
