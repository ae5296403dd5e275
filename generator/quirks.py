"""Quirks on accepted messages: spec type violations, unknown properties and events, ``writeKey``s, duplicates.

Records are offered in archive order as their window is finished. Each quirk has a quota that grows with
the records seen (``total * done / events``, at least one), and marks a record only while it is behind,
so an archive of any size gets about ``total`` of each, spread over time, without knowing the records
ahead. A record gets at most one quirk: a duplicated message is otherwise clean, and so is a
``writeKey`` line. Everything injected is counted in the manifest.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from generator.sessions import Record, uuid_hex

DUPLICATE_RATE = 0.005  # messages Segment delivers twice (a later file of the same day)
WRITEKEY_RATE = 0.0005  # lines that still carry the source's writeKey
CORRUPT_SHARE = 0.3  # type violations per bad line asked for (--bad-fraction)

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
#: Events an unknown event may replace: common, and nothing pairs or orders on them (not Training *,
#: not Telemetry Disabled, which must stay an installation's last event).
UNKNOWN_EVENT_HOSTS = frozenset({"Shell Started", "Server Started", "Model NLU Tested", "Training Data Validated"})


class Quota:
    """About ``total`` marks over ``n`` offers: due while fewer than ``max(1, total * done / n)``."""

    __slots__ = ("count", "due_at", "per_offer", "rng")

    def __init__(self, rng: random.Random, total: int, n: int) -> None:
        self.rng, self.count = rng, 0
        self.per_offer = total / n if n else 0.0
        self.due_at = 0 if total > 0 else float("inf")  # the first offer ``done`` at which it is behind

    def take(self, done: int) -> bool:
        if done < self.due_at or self.rng.random() >= 0.5:
            return False
        self.count += 1
        self.due_at = int(self.count / self.per_offer) + 1  # count < per_offer * done from here on
        return True


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (k < total % parts) for k in range(parts)]


class Quirks:
    def __init__(self, rng: random.Random, n_events: int, bad_fraction: float, manifest: dict) -> None:
        self.rng, self.manifest = rng, manifest
        n_corrupt = max(len(VIOLATIONS), round(bad_fraction * n_events * CORRUPT_SHARE)) if bad_fraction > 0 else 0
        n_unknown = max(3, n_corrupt // 20) if n_corrupt else 0
        self.violations: dict[str, list[tuple[Quota, str, Callable[[Any], Any]]]] = {}
        for share, (event, prop, corrupt) in zip(_shares(n_corrupt, len(VIOLATIONS)), VIOLATIONS, strict=True):
            self.violations.setdefault(event, []).append((Quota(rng, share, n_events), prop, corrupt))
        self.unknown_properties: dict[str, list[tuple[Quota, str, Callable[[random.Random], Any]]]] = {}
        shares = _shares(n_unknown, len(UNKNOWN_PROPERTIES))
        for share, (event, prop, value) in zip(shares, UNKNOWN_PROPERTIES, strict=True):
            self.unknown_properties.setdefault(event, []).append((Quota(rng, share, n_events), prop, value))
        self.unknown_events = Quota(rng, n_unknown, n_events)
        self.quotas: dict[str, list[Quota]] = {}  # event -> every quota that may mark it
        for event, entries in [*self.violations.items(), *self.unknown_properties.items()]:
            self.quotas.setdefault(event, []).extend(quota for quota, _, _ in entries)
        for event in UNKNOWN_EVENT_HOSTS:
            self.quotas.setdefault(event, []).append(self.unknown_events)
        self.due_at = {event: 0.0 for event in self.quotas}  # lowest due_at of an event's quotas (or lower)
        self.corrupting = n_corrupt > 0
        self.writekeys = Quota(rng, round(n_events * WRITEKEY_RATE), n_events)
        self.duplicates = Quota(rng, round(n_events * DUPLICATE_RATE), n_events)

    def mark(self, rec: Record, done: int) -> tuple[str, bool]:
        """Give ``rec`` (the ``done``-th message) at most one quirk: returns (its writeKey or "", duplicate?)."""
        if self.corrupting and self._corrupt(rec, done):
            return "", False
        if self.writekeys.take(done):
            self.manifest["writekey_lines"] += 1
            return uuid_hex(self.rng), False
        return "", self.duplicates.take(done)

    def _corrupt(self, rec: Record, done: int) -> bool:
        event = rec[2]
        if done < self.due_at.get(event, float("inf")):
            return False
        marked = self._corrupt_due(rec, done)
        self.due_at[event] = min(quota.due_at for quota in self.quotas[event])
        return marked

    def _corrupt_due(self, rec: Record, done: int) -> bool:
        event, props = rec[2], rec[3]
        for quota, prop, corrupt in self.violations.get(event, ()):
            if prop in props and quota.take(done):
                rec[3] = {**props, prop: corrupt(props[prop])}
                self.manifest["type_violations"].setdefault(event, Counter())[prop] += 1
                return True
        for quota, prop, value in self.unknown_properties.get(event, ()):
            if quota.take(done):
                rest = {key: item for key, item in props.items() if key != "metrics_id"}
                rec[3] = {**rest, prop: value(self.rng), "metrics_id": props["metrics_id"]}
                self.manifest["unknown_properties"].setdefault(event, Counter())[prop] += 1
                return True
        if event in UNKNOWN_EVENT_HOSTS and self.unknown_events.take(done):
            name, make = UNKNOWN_EVENTS[(self.unknown_events.count - 1) % len(UNKNOWN_EVENTS)]
            rec[2], rec[3] = name, {**make(self.rng), "metrics_id": props["metrics_id"]}
            self.manifest["unknown_events"][name] = self.manifest["unknown_events"].get(name, 0) + 1
            return True
        return False
