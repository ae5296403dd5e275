"""Installations and the CLI sessions they run, for the sample generator (see wire-format.md §2-4).

Each session appends records ``[received_at_ms, install_index, event, properties]``; properties keep
Rasa's key order with ``metrics_id`` last. Everything is drawn from the caller's seeded ``random.Random``.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

Record = list  # [received_at_ms: int, install_index: int, event: str, properties: dict]

SECOND, MINUTE, HOUR = 1000, 60_000, 3_600_000
SESSION_MAX_MS = 2 * HOUR  # no session lasts longer (keeps sessions inside windows)

# fmt: off
# version -> weight; plain OSS 3.6.10+ sends nothing, so it never appears
VERSIONS = {
    "2.0.8": 2, "2.1.3": 2, "2.2.10": 3, "2.3.4": 3, "2.4.3": 3, "2.5.2": 3, "2.6.3": 3, "2.7.2": 3,
    "2.8.12": 4, "2.8.34": 9, "3.0.13": 4, "3.1.7": 4, "3.2.12": 5, "3.3.8": 5, "3.4.14": 6,
    "3.5.10": 4, "3.5.17": 8, "3.6.2": 4, "3.6.9": 6,
}
PYTHONS_2 = ["3.6.15", "3.7.9", "3.7.16", "3.8.12", "3.8.16"]
PYTHONS_3 = ["3.7.16", "3.8.12", "3.8.16", "3.9.16", "3.9.18", "3.10.12"]
OSES = [("Linux", "5.4.0-1045-aws"), ("Linux", "5.15.0-72-generic"), ("Linux", "6.2.0-1018-azure"),
        ("Darwin", "20.6.0"), ("Darwin", "21.6.0"), ("Darwin", "22.5.0"), ("Windows", "10")]
_C = {"name": "CountVectorsFeaturizer"}
_DIET = {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True}
_TED = {"name": "TEDPolicy", "max_history": 5, "epochs": 100, "constrain_similarities": True}
PIPELINES: list[list[dict]] = [
    [{"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"}, _C,
     {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}, _DIET,
     {"name": "EntitySynonymMapper"}, {**_DIET, "name": "ResponseSelector"},
     {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1}],
    [{"name": "SpacyNLP", "model": "en_core_web_md"}, {"name": "SpacyTokenizer"}, {"name": "SpacyFeaturizer"},
     {"name": "RegexFeaturizer"}, {"name": "DIETClassifier", "epochs": 200}, {"name": "EntitySynonymMapper"}],
    [{"name": "WhitespaceTokenizer"},
     {"name": "LanguageModelFeaturizer", "model_name": "bert", "model_weights": "rasa/LaBSE"},
     {"name": "DIETClassifier", "epochs": 150}],
    [{"name": "WhitespaceTokenizer"}, _C, _DIET, {"name": "FallbackClassifier", "threshold": 0.7}],
]
POLICIES: list[list[dict]] = [
    [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}, _TED],
    [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"},
     {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 100}, _TED],
    [{"name": "MemoizationPolicy", "max_history": 3}, {"name": "TEDPolicy", "epochs": 50},
     {"name": "RulePolicy", "core_fallback_threshold": 0.3}],
]
LANGUAGES = ["en"] * 12 + ["de", "de", "es", "fr", "pt", "zh", "ru", "it"]
STORES = {"sql": "SQLTrackerStore", "redis": "RedisTrackerStore", "mongod": "MongoTrackerStore",
          "dynamo": "DynamoTrackerStore", None: "InMemoryTrackerStore"}
BROKERS = {"pika": "PikaEventBroker", "kafka": "KafkaEventBroker", "sql": "SQLEventBroker",
           "file": "FileEventBroker"}
CHANNELS = [["rest"], ["rest", "rasa"], ["socketio"], ["rest", "socketio"], ["facebook"], ["slack", "rest"],
            ["telegram"], ["twilio"], ["botframework"], ["rest", "MyWebhookInput"], ["callback"]]
# fmt: on
KINDS = {"dev": 1.0, "ci": 6.0, "server": 2.0}  # kind -> session weight per installation


@dataclass
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


def uuid_hex(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def make_install(rng: random.Random, index: int, kind: str, version: str, window: tuple[int, int]) -> Install:
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
        endpoints=endpoints,
        first_ms=window[0],
        last_ms=window[1],
    )


class Session:
    """Appends one installation's events to ``out``, moving a clock forward."""

    def __init__(self, rng: random.Random, inst: Install, start_ms: int, out: list[Record]) -> None:
        self.rng, self.inst, self.t, self.out = rng, inst, start_ms, out

    def emit(self, event: str, props: dict | None = None, gap_ms: tuple[int, int] = (200, 4000)) -> None:
        self.t += self.rng.randint(*gap_ms)
        self.out.append([self.t, self.inst.index, event, {**(props or {}), "metrics_id": self.inst.user_id}])

    def training_started(self, training_id: str, ttype: str, finetune: bool) -> dict:
        inst, v3 = self.inst, self.inst.vkey[0] == 3
        cfg, stats = inst.config, inst.stats
        props = {
            "language": cfg["language"],
            "training_id": training_id,
            "type": ttype,
            "pipeline": cfg["pipeline"],
            "policies": cfg["policies"],
        }
        if inst.vkey >= (3, 1):
            props["train_schema"] = cfg["schema"]
            props["predict_schema"] = cfg["schema"]
        keys = ["num_intent_examples", "num_entity_examples", "num_actions", "num_templates"]
        keys += ["num_conditional_response_variations"] if inst.vkey >= (2, 6) else []
        keys += ["num_slot_mappings", "num_custom_slot_mappings", "num_conditional_slot_mappings"] if v3 else []
        keys += ["num_slots", "num_forms", "num_intents", "num_entities", "num_story_steps"]
        keys += ["num_lookup_tables", "num_synonyms", "num_regexes"]
        props |= {key: stats[key] for key in keys}
        if inst.vkey >= (2, 2):
            props["is_finetuning"] = finetune and not v3
        if inst.vkey >= (3, 1):
            props["recipe"] = cfg["recipe"]
        return props

    def train(self, parts: list[str] | None = None, fail: bool | None = None) -> bool:
        """One ``rasa train``; returns False if it failed (Started without Completed)."""
        rng, v3 = self.rng, self.inst.vkey[0] == 3
        self.inst.stats["num_intent_examples"] += rng.choice([0, 0, 0, 1, 3])
        if parts is None:  # full `rasa train`: outer "rasa" event around the retrained parts
            if v3:
                parts = ["rasa"] + rng.choices([["rasa"], ["nlu"], ["core"], []], [75, 10, 12, 3])[0]
            else:
                parts = ["rasa"] + rng.choices([["nlu", "core"], ["nlu"], ["core"]], [60, 15, 25])[0]
        if fail is None:
            fail = rng.random() < 0.07
        fail_at = rng.randrange(len(parts)) if fail else -1
        finetune = self.inst.vkey >= (2, 2) and rng.random() < 0.05
        outer_id, outer_start = uuid_hex(rng), 0
        for depth, ttype in enumerate(parts):
            training_id = outer_id if depth == 0 else uuid_hex(rng)
            inner = depth > 0 or len(parts) == 1
            self.emit("Training Started", self.training_started(training_id, ttype, finetune and inner))
            outer_start = outer_start or self.t
            if depth == fail_at and (depth > 0 or len(parts) == 1):
                self.t += rng.randint(1, 300) * SECOND
                return False
            if depth == 0 and len(parts) > 1:
                if fail_at == 0:
                    self.t += rng.randint(1, 30) * SECOND
                    return False
                continue
            started = self.t
            self.t += int(rng.expovariate(1 / (60 if ttype == "nlu" else 150)) * SECOND) % (25 * MINUTE)
            runtime = (self.t - started) // SECOND
            self.emit("Training Completed", {"training_id": training_id, "type": ttype, "runtime": runtime}, (0, 0))
        if len(parts) > 1:
            self.t += rng.randint(500, 9000)
            runtime = (self.t - outer_start) // SECOND
            self.emit("Training Completed", {"training_id": outer_id, "type": "rasa", "runtime": runtime}, (0, 0))
        return True

    def server(self, channels: list[str], api: bool) -> None:
        inst = self.inst
        workers = self.rng.choice([1, 1, 2, 4]) if inst.endpoints["lock_store"] == "redis" else 1
        props = {"input_channels": channels, "api_enabled": api, "number_of_workers": workers}
        props |= {f"endpoints_{key}": value for key, value in inst.endpoints.items()}
        props["project"] = inst.model_project
        self.emit("Server Started", props, (2000, 20000))


def s_init(s: Session) -> None:
    s.emit("Project Created", {"init_directory": s.inst.directory})
    if s.train() and s.rng.random() < 0.5:
        s.emit("Shell Started", {"type": "rasa"}, (1000, 8000))
        s.server(["cmdline"], False)


def s_test(s: Session) -> None:
    rng, inst, stats = s.rng, s.inst, s.inst.stats
    if rng.random() < 0.8:
        project = rng.choices([inst.model_project, None, ""], [90, 5, 5 if inst.vkey >= (3, 1) else 0])[0]
        s.emit(
            "Model Core Tested",
            {
                "project": project,
                "end_to_end": rng.random() < 0.15,
                "num_story_steps": max(1, stats["num_story_steps"] // rng.randint(1, 5)),
            },
        )
    if rng.random() < 0.8:
        keys = ["num_intent_examples", "num_entity_examples", "num_lookup_tables", "num_synonyms"]
        keys += ["num_regexes"]
        s.emit(
            "Model NLU Tested",
            {key: stats[key] // (5 if key.endswith("examples") else 1) for key in keys},
            (5000, 120000),
        )


def s_shell(s: Session) -> None:
    shell_type = "nlu" if s.rng.random() < 0.2 else "rasa"
    s.emit("Shell Started", {"type": shell_type})
    if shell_type == "rasa":
        s.server(["cmdline"], False)


def s_markers(s: Session) -> None:
    rng = s.rng
    strategy = rng.choice(["first_n", "sample_n", "all"])
    stats = rng.random() < 0.6
    count = None if strategy == "all" else rng.choice([10, 50, 100, 500])
    s.emit(
        "Markers Extraction Initiated",
        {"strategy": strategy, "only_extract": stats, "seed": rng.random() < 0.3, "count": count},
    )
    s.emit(
        "Markers Parsed",
        {
            "marker_count": rng.randint(1, 12),
            "max_depth": rng.randint(1, 4),
            "branching_factor": rng.randint(1, 5),
        },
        (100, 900),
    )
    trackers = count or rng.randint(20, 5000)
    s.emit("Markers Extracted", {"trackers_count": trackers}, (1000, 30000))
    if stats:
        s.emit("Markers Statistics Computed", {"trackers_count": trackers}, (100, 2000))


def s_convert(s: Session) -> None:
    if s.inst.vkey[0] == 3:
        s.emit(
            "Training Data Converted",
            {"output_format": s.rng.choice(["yaml", "yaml", "json"]), "type": "nlu"},
        )
        return
    out_type = s.rng.choice(["nlu", "nlu", "core", "nlg", "responses", "config"])
    out_format = "yaml" if out_type == "config" else s.rng.choice(["yaml", "yaml", "json", "md"])
    s.emit("Training Data Converted", {"output_format": out_format, "type": out_type})


def s_export(s: Session) -> None:
    broker = s.inst.endpoints["event_broker"] or s.rng.choice(["pika", "kafka"])
    s.emit(
        "Tracker Exported",
        {
            "number_of_exported_events": s.rng.randint(0, 250_000),
            "tracker_store": STORES[s.inst.endpoints["tracker_store"]],
            "event_broker": BROKERS[broker],
        },
    )


def s_ci(s: Session) -> None:
    s.emit("Training Data Validated", {"validation_success": s.rng.random() < 0.9})
    if s.train():
        s_test(s)


def s_x(s: Session) -> None:
    if s.inst.vkey > (3, 2):
        return s_shell(s)
    s.emit("Rasa X Local Started")
    s.server(["rasa"], True)


SESSIONS: dict[str, Callable[[Session], None]] = {
    "init": s_init,
    "train": lambda s: s.train() and s.rng.random() < 0.4 and s_test(s),
    "train_nlu": lambda s: s.train(["nlu"]),
    "train_core": lambda s: s.train(["core"]),
    "train_fail": lambda s: s.train(fail=True),
    "test": s_test,
    "shell": s_shell,
    "interactive": lambda s: s.emit(
        "Interactive Learning Started",
        {"skip_visualization": s.rng.random() < 0.3, "save_in_e2e": s.rng.random() < 0.1},
    ),
    "run": lambda s: s.server(s.inst.channels, s.rng.random() < 0.7),
    "serve": lambda s: s.server(s.inst.channels, s.rng.random() < 0.9),
    "validate": lambda s: s.emit("Training Data Validated", {"validation_success": s.rng.random() < 0.8}),
    "split": lambda s: s.emit("Training Data Split", {"fraction": s.rng.choice([0.8] * 8 + [0.7, 0.9]), "type": "nlu"}),
    "convert": s_convert,
    "visualize": lambda s: s.emit("Story Visualization Started"),
    "x": s_x,
    "export": s_export,
    "markers": lambda s: s_markers(s)
    if s.inst.vkey[0] == 3
    else s.emit("Training Data Validated", {"validation_success": True}),
    "ci": s_ci,
}
# fmt: off
MENUS: dict[str, dict[str, int]] = {  # kind -> session name -> weight
    "dev": {"init": 3, "train": 30, "train_nlu": 4, "train_core": 3, "test": 8, "shell": 10, "interactive": 4,
            "run": 6, "validate": 8, "split": 3, "convert": 3, "visualize": 2, "x": 3, "export": 1,
            "markers": 4},
    "ci": {"ci": 1},
    "server": {"serve": 8, "export": 1},
}
# Scripted first sessions so that even a small archive holds every event type and quirk.
TOUR: list[tuple[str, str, list[str]]] = [
    ("dev", "2.3.4", ["init", "train_fail", "test", "interactive", "shell", "x", "split", "validate",
                      "convert", "visualize", "export"]),
    ("dev", "3.2.12", ["init", "train", "markers", "test", "x"]),
    ("server", "2.8.34", ["serve", "export"]),
    ("ci", "3.5.17", ["ci"]),
]
# fmt: on
