"""The CLI sessions an installation runs (``rasa train``, ``rasa shell``, ...), as wire-format.md §2-4 describes.

A session appends records ``[received_at_ms, install, event, properties]`` from a start time, moving a clock
forward; properties keep Rasa's key order with ``metrics_id`` last. Everything is drawn from the caller's
seeded ``random.Random``. No session lasts longer than ``SESSION_MAX_MS``, so a session that starts in one
3-hour window ends, at the latest, in the next.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from generator.catalog import BROKERS, STORES

if TYPE_CHECKING:
    from generator.installations import Install

Record = list  # [received_at_ms: int, install: Install, event: str, properties: dict]

SECOND, MINUTE, HOUR = 1000, 60_000, 3_600_000
SESSION_MAX_MS = 2 * HOUR  # no session lasts longer (checked when a session is placed)
KINDS = {"dev": 1.0, "ci": 6.0, "server": 2.0}  # kind -> session weight per installation


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid_hex(rng: random.Random) -> str:
    """``uuid.UUID(int=rng.getrandbits(128), version=4).hex``, without building a UUID object."""
    return f"{rng.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"


class Session:
    """Appends one installation's events to ``out``, moving a clock forward."""

    def __init__(self, rng: random.Random, inst: Install, start_ms: int, out: list[Record]) -> None:
        self.rng, self.inst, self.t, self.out = rng, inst, start_ms, out

    def emit(self, event: str, props: dict | None = None, gap_ms: tuple[int, int] = (200, 4000)) -> None:
        self.t += self.rng.randint(*gap_ms)
        self.out.append([self.t, self.inst, event, {**(props or {}), "metrics_id": self.inst.user_id}])

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
