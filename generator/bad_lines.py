"""Bad lines: one maker per reject reason of ``common.reasons.REJECT_REASONS``, keyed by the reason's name.

A maker turns a good message into a line a correct loader must reject for that reason and no other. The
archive holds every reason the loader knows (``REJECT_REASONS``); a reason without a maker stops the
generator with an error.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from common import reasons
from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from generator.envelope import encode

TOO_DEEP_LEVELS = 10_000  # far past MAX_DEPTH, and still a small line (about 100 KB)


@dataclass(frozen=True)
class BadKind:
    make: Callable[[random.Random, dict], bytes]
    weight: int = 0  # share of the ordinary bad lines
    rare: bool = False  # a heavy line: 1 per archive, 2 from 1,000 bad lines, 3 from 10,000


def _invalid_json(rng: random.Random, msg: dict) -> bytes:
    text, variant = encode(msg), rng.randrange(3)
    if variant == 0:
        return text[: rng.randint(1, len(text) - 2)].encode()  # truncated copy
    return (text + rng.choice(["}", ",", "x", "]"]) if variant == 1 else repr(msg)).encode()


def _not_an_object(rng: random.Random, msg: dict) -> bytes:
    # Scalars only: the loader expands a JSON array line into one record per element.
    return rng.choice(['"x"', "42", "3.5", "true", "null", '"Training Started"']).encode()


def _missing_event(rng: random.Random, msg: dict) -> bytes:
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
    return encode(msg).encode()


def _missing_user_id(rng: random.Random, msg: dict) -> bytes:
    return encode({k: v for k, v in msg.items() if k != "userId"}).encode()


def _invalid_utf8(rng: random.Random, msg: dict) -> bytes:
    data = encode(msg).encode()
    if rng.random() < 0.5:
        return data.replace(b'"channel":"server"', b'"channel":"serv\xff\xfeer"', 1)
    return data.replace(b'"type":"track"', b'"type":"tr\xe4ck"', 1)  # latin-1 byte


def _too_large(rng: random.Random, msg: dict) -> bytes:
    component = {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}
    pipeline = [component] * (MAX_LINE_BYTES // len(encode(component)) + 2000)
    data = encode({**msg, "properties": {**msg["properties"], "pipeline": pipeline}}).encode()
    assert len(data) > MAX_LINE_BYTES
    return data


def _too_deep(rng: random.Random, msg: dict) -> bytes:
    """Valid JSON whose ``properties`` nest TOO_DEEP_LEVELS objects deep; otherwise a good message."""
    nested = '{"config":' * TOO_DEEP_LEVELS + "null" + "}" * TOO_DEEP_LEVELS
    text = encode({**msg, "properties": {"metadata": 0, **msg["properties"]}})
    data = text.replace('"properties":{"metadata":0', '"properties":{"metadata":' + nested, 1).encode()
    assert TOO_DEEP_LEVELS > MAX_DEPTH and len(data) <= MAX_LINE_BYTES
    return data


BAD_KINDS: dict[str, BadKind] = {
    "invalid_json": BadKind(_invalid_json, weight=30),
    "not_an_object": BadKind(_not_an_object, weight=12),
    "missing_event": BadKind(_missing_event, weight=20),
    "missing_user_id": BadKind(_missing_user_id, weight=20),
    "invalid_utf8": BadKind(_invalid_utf8, weight=18),
    "too_large": BadKind(_too_large, rare=True),
    "too_deep": BadKind(_too_deep, rare=True),
}


def bad_line(rng: random.Random, reason: str, msg: dict) -> bytes:
    """One line that a loader must reject with ``reason`` (and for no other reason)."""
    if reason not in BAD_KINDS:
        raise LookupError(f"no bad-line maker for reject reason {reason!r}: add one to generator/bad_lines.py")
    return BAD_KINDS[reason].make(rng, msg)


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` split by ``weights``, every key at least 1."""
    counts = {key: max(1, total * w // sum(weights.values())) for key, w in weights.items()}
    counts[max(weights, key=weights.__getitem__)] += max(0, total - sum(counts.values()))
    return counts


def plan_counts(n_bad: int) -> dict[str, int]:
    """Bad lines per reason of ``REJECT_REASONS`` (every one at least once), about ``n_bad`` in all."""
    known = list(reasons.REJECT_REASONS)
    missing = [reason for reason in known if reason not in BAD_KINDS]
    if missing:
        raise LookupError(f"no bad-line maker for reject reason(s) {', '.join(missing)}: add one to {__name__}")
    n_bad = max(n_bad, len(known))
    rare = [reason for reason in known if BAD_KINDS[reason].rare]
    per_rare = 1 + (n_bad >= 1000) + (n_bad >= 10_000)
    common = {reason: BAD_KINDS[reason].weight for reason in known if reason not in rare}
    counts = (_split(n_bad - per_rare * len(rare), common) if common else {}) | dict.fromkeys(rare, per_rare)
    return {reason: counts[reason] for reason in known}


class Scatter:
    """Hands out the planned bad lines (and blank lines, reason "") window by window, in proportion to
    each window's share of the events and in random order."""

    def __init__(self, rng: random.Random, counts: dict[str, int], blank: int, targets: list[int]) -> None:
        self.rng, self.targets = rng, targets
        self.left = {**counts, "": blank}
        self.total = sum(self.left.values())
        self.placed = 0

    def due(self, window: int, last: bool) -> list[str]:
        if last or not self.targets[-1]:
            goal = self.total
        else:
            goal = round(self.total * self.targets[window] / self.targets[-1])
        return [self._draw() for _ in range(goal - self.placed)]

    def _draw(self) -> str:
        """One of the lines left, each equally likely (drawing without replacement keeps the counts exact)."""
        pick = self.rng.randrange(self.total - self.placed)
        for reason, n in self.left.items():
            if pick < n:
                self.left[reason] -= 1
                self.placed += 1
                return reason
            pick -= n
        raise AssertionError("no bad line left to draw")
