"""Installations: a compact plan of when each one is active, and the full installation made when it arrives.

The plan is drawn up front (about 20 bytes per installation: 7 MB for 10M events) so the timeline knows how
busy each 3-hour window can be; an :class:`Install` with its context, config and data sizes exists only while
the installation is active, so memory follows the installations alive at once, not the archive.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import random
from array import array
from dataclasses import dataclass

from generator.catalog import CHANNELS, LANGUAGES, OSES, PIPELINES, POLICIES, PYTHONS_2, PYTHONS_3, VERSIONS
from generator.sessions import HOUR, MINUTE, SESSION_MAX_MS, TOUR, uuid_hex

DAY_MS = 86_400_000
EVENTS_PER_INSTALL = 30  # on average: the plan holds max(len(TOUR) + 4, events // 30) installations
#: Shortest life: room for a whole session (SESSION_MAX_MS) after an hour in which sessions may start.
MIN_LIFETIME_MS = SESSION_MAX_MS + 2 * MINUTE + HOUR
KIND_NAMES = ("dev", "ci", "server")
KIND_WEIGHTS = (70, 10, 20)  # share of new installations
#: kind -> (shortest, longest) extra life in ms, drawn log-uniformly: most installations are short-lived
#: (a container without a persistent home gets a new id every start), a few servers run for months.
LIFETIMES = {"dev": (10 * MINUTE, 45 * DAY_MS), "ci": (10 * MINUTE, 30 * DAY_MS), "server": (6 * HOUR, 90 * DAY_MS)}
DISABLE_RATE = 0.03  # dev installations that run `rasa telemetry disable` at the end of their life
_VERSIONS = list(VERSIONS)
_VERSION_CUM = list(itertools.accumulate(VERSIONS.values()))
_KIND_CUM = list(itertools.accumulate(KIND_WEIGHTS))


@dataclass
class Plan:
    """When each installation is active, sorted by arrival; ``tour[i]`` numbers the scripted ones."""

    first: array  # first_ms: the installation's first possible event
    last: array  # last_ms: its last possible event (``Telemetry Disabled`` if disabled)
    kinds: bytearray  # index into KIND_NAMES
    versions: bytearray  # index into VERSIONS
    disabled: bytearray
    tour: dict[int, int]

    def __len__(self) -> int:
        return len(self.first)


def _lifetime(rng: random.Random, kind: str) -> int:
    low, high = LIFETIMES[kind]
    return MIN_LIFETIME_MS + int(low * (high / low) ** rng.random())


def plan_installations(rng: random.Random, n_events: int, start_ms: int, end_ms: int) -> Plan:
    """Arrival, life and kind of every installation; some were already active before ``start_ms``."""
    count = max(len(TOUR) + 4, n_events // EVENTS_PER_INSTALL)
    latest = end_ms - 1 - MIN_LIFETIME_MS  # last possible arrival
    earliest = start_ms - (end_ms - start_ms) // 2
    first, last, kinds, versions = array("q"), array("q"), bytearray(), bytearray()
    for kind, version, _ in TOUR:
        first.append(start_ms + int(rng.random() * HOUR))
        last.append(end_ms - 1)
        kinds.append(KIND_NAMES.index(kind))
        versions.append(_VERSIONS.index(version))
    for _ in range(count - len(TOUR)):
        kind = bisect.bisect(_KIND_CUM, rng.random() * _KIND_CUM[-1])
        versions.append(bisect.bisect(_VERSION_CUM, rng.random() * _VERSION_CUM[-1]))
        life = _lifetime(rng, KIND_NAMES[kind])
        arrival = earliest + int(rng.random() * (latest - earliest))
        if arrival + life < start_ms + MIN_LIFETIME_MS:  # gone before the archive starts: arrive inside it
            arrival = start_ms + int(rng.random() * (latest - start_ms))
        first.append(max(arrival, start_ms))
        last.append(min(end_ms - 1, arrival + life))
        kinds.append(kind)
    order = sorted(range(count), key=first.__getitem__)  # by arrival; stable, so ties keep their draw order
    plan = Plan(
        first=array("q", (first[i] for i in order)),
        last=array("q", (last[i] for i in order)),
        kinds=bytearray(kinds[i] for i in order),
        versions=bytearray(versions[i] for i in order),
        disabled=bytearray(count),
        tour={at: i for at, i in enumerate(order) if i < len(TOUR)},
    )
    for at in range(count):
        plan.disabled[at] = plan.kinds[at] == 0 and at not in plan.tour and rng.random() < DISABLE_RATE
    # Every archive has a Telemetry Disabled: the earliest unscripted dev installation, else the last unscripted one.
    forced = next((at for at in range(count) if plan.kinds[at] == 0 and at not in plan.tour), None)
    plan.disabled[max(at for at in range(count) if at not in plan.tour) if forced is None else forced] = 1
    for at in [at for at in range(count) if plan.disabled[at]][n_events:]:  # never more than the events asked
        plan.disabled[at] = 0
    return plan


@dataclass(slots=True)
class Install:
    index: int
    user_id: str
    version: str
    vkey: tuple[int, int]
    kind: str
    context_json: str
    directory: str
    model_project: str | None
    config: dict
    stats: dict[str, int]
    channels: list[str]
    endpoints: dict[str, str | None]
    first_ms: int
    last_ms: int
    disabled: bool = False


def sha_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SHARED: dict[tuple, dict] = {}  # read-only configs and endpoint sets, one object per distinct value


def _shared(value: dict) -> dict:
    key = tuple((k, id(v) if isinstance(v, list | dict) else v) for k, v in value.items())
    return _SHARED.setdefault(key, value)


def make_install(rng: random.Random, plan: Plan, index: int) -> Install:
    """The installation ``index`` of ``plan``, its properties drawn from ``rng``."""
    kind, version = KIND_NAMES[plan.kinds[index]], _VERSIONS[plan.versions[index]]
    vkey = (int(version.split(".")[0]), int(version.split(".")[1]))
    docker = kind == "server" or (kind == "ci" and rng.random() < 0.5)
    directory = sha_hex("/app" if docker else f"/home/user{index}/bots/assistant{rng.randint(1, 9)}")
    remote = sha_hex(f"git@github.com:org{index}/assistant.git\n")
    os_name, os_version = ("Linux", "5.4.0-1045-aws") if docker else rng.choice(OSES)
    context = {
        "ci": kind == "ci",
        "cpu": rng.choice([2, 4, 8, 8, 12, 16]),
        "directory": directory,
        "docker": docker,
        "library": {"name": "unknown", "version": "unknown"},
        "os": {"name": os_name, "version": os_version},
        "project": None if kind == "server" or rng.random() < 0.25 else remote,
        "python": rng.choice(PYTHONS_3 if vkey[0] == 3 else PYTHONS_2),
        "rasa_open_source": version,
    }
    if vkey < (2, 5):
        context["gpu"] = 1 if rng.random() < 0.1 else 0
    if vkey >= (3, 6) and rng.random() < 0.05:
        context["license_hash"] = sha_hex(f"license{index}")
    no_config = rng.random() < 0.04
    graph = vkey >= (3, 1) and rng.random() < 0.03
    schema = {"nodes": {"nlu_training_data_provider": {"uses": "NLUTrainingDataProvider"}}} if graph else None
    config = {
        "language": None if no_config else rng.choice(LANGUAGES),
        "pipeline": None if no_config else rng.choice(PIPELINES),
        "policies": None if no_config else rng.choice(POLICIES),
        "schema": schema,
        "recipe": None if no_config else ("graph.v1" if graph else "default.v1"),
    }
    if schema is None:
        config = _shared(config)
    intents = rng.randint(3, 80)
    templates = rng.randint(2, 3 * intents)
    slots = rng.choice([0, 0, 1, 2, 4, 8, 12])
    stats = {
        "num_intent_examples": intents * rng.randint(5, 40),
        "num_entity_examples": rng.choice([0, 0, 12, 80, 400]),
        "num_actions": templates + rng.randint(0, 15) + 13,
        "num_templates": templates,
        "num_conditional_response_variations": rng.choice([0] * 8 + [2, 5]),
        "num_slot_mappings": slots,
        "num_custom_slot_mappings": rng.choice([0, 0, 0, 1]),
        "num_conditional_slot_mappings": rng.choice([0, 0, 0, 0, 2]),
        "num_slots": slots,
        "num_forms": rng.choice([0, 0, 1, 2, 4]),
        "num_intents": intents,
        "num_entities": rng.randint(0, 12),
        "num_story_steps": rng.randint(3, 150),
        "num_lookup_tables": rng.choice([0, 0, 0, 1, 3]),
        "num_synonyms": rng.choice([0, 0, 4, 30]),
        "num_regexes": rng.choice([0, 0, 1, 5]),
    }
    endpoints = {
        "nlg": rng.choice([None] * 9 + ["callback"]),
        "nlu": None,
        "action_server": None,
        "model_server": None,
        "tracker_store": rng.choice(["sql", "sql", "redis", "mongod", "dynamo", None]),
        "lock_store": rng.choice(["redis", "in_memory", None]),
        "event_broker": rng.choice(["pika", "kafka", "sql", "file", None, None]),
    }
    if kind != "server":
        endpoints = dict.fromkeys(endpoints, None) | {"tracker_store": rng.choice([None] * 4 + ["sql"])}
    return Install(
        index=index,
        user_id=uuid_hex(rng),
        version=version,
        vkey=vkey,
        kind=kind,
        context_json=json.dumps(context, sort_keys=True, separators=(",", ":")),
        directory=directory,
        model_project=None if rng.random() < 0.1 else remote,
        config=config,
        stats=stats,
        channels=rng.choice(CHANNELS),
        endpoints=_shared(endpoints),
        first_ms=plan.first[index],
        last_ms=plan.last[index],
        disabled=bool(plan.disabled[index]),
    )
