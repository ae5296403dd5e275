"""Building blocks of the hostile corpus (tests/hostile_corpus.py): messages as JSON lines, nesting, and what
each file must leave behind (:class:`Expect`), written line by line (:class:`File`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

USER = "37696a59d4d84e4bbeeda0fc7ad4cd92"
TS = "2021-11-03T09:25:13.777Z"
#: Every corpus file's mtime, 2021-06-01T00:00:00Z: the last event-time fallback (item 2).
MTIME = 1_622_505_600
CONTEXT = {"os": {"name": "Linux"}, "rasa_open_source": "2.8.34", "cpu": 8}


@dataclass
class Expect:
    """What one file must leave behind. A reason written ``a|b`` accepts either (see item 1's array line)."""

    status: str = "loaded"  # loaded | failed | skipped (no raw.loads row: same bytes as an earlier file)
    records: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # exactly the message ids landed from this file
    note: str = ""  # failed: part of raw.loads.error; skipped: part of the CLI's "skipped:" line
    times: dict[str, list[str]] = field(default_factory=dict)  # message id -> [event_at, event_at_source]
    kept: dict[int, str] = field(default_factory=dict)  # line -> exact raw_line of its reject
    kept_bytes: dict[int, str] = field(default_factory=dict)  # line -> exact raw_bytes (latin-1 text)
    masked: dict[int, list[str]] = field(default_factory=dict)  # line -> [prefix, suffix] of the masked raw_line


@dataclass
class Item:
    number: int
    title: str
    files: dict[str, Expect] = field(default_factory=dict)  # path under the item's folder (fsdecoded)
    secrets: list[str] = field(default_factory=list)  # text that must appear nowhere in raw.*

    @property
    def folder(self) -> str:
        return f"item{self.number:02d}"


def message(mid: str, **fields: object) -> dict:
    body = {"context": CONTEXT, "event": "Shell Started", "messageId": mid, "properties": {"metrics_id": USER},
            "receivedAt": TS, "timestamp": TS, "type": "track", "userId": USER}  # fmt: skip
    body.update(fields)
    return {key: value for key, value in body.items() if value is not DROP}


DROP = object()  # message(..., key=DROP) leaves the key out


def text(mid: str, raw: dict[str, str] | None = None, **fields: object) -> str:
    """A message as one JSON line; ``raw`` puts JSON text (NaN, deep nesting...) in as it is."""
    raw = raw or {}
    body = {key: value for key, value in message(mid, **fields).items() if key not in raw}  # one value per key
    line = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    for key, value in raw.items():
        line = line[:-1] + f',"{key}":{value}' + "}"
    return line


def deep(levels: int) -> str:
    """JSON nested exactly ``levels`` deep, objects and arrays alternating."""
    opening = "".join('{"d":' if i % 2 == 0 else "[" for i in range(levels))
    return opening + "1" + "".join("}" if i % 2 == 0 else "]" for i in reversed(range(levels)))


class File:
    """One NDJSON file being written: its lines and what each must become."""

    def __init__(self, item: Item, name: str, prefix: str) -> None:
        self.lines: list[bytes] = []
        self.expect = item.files.setdefault(name, Expect())
        self.prefix, self.count = prefix, 0

    def mid(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count:02d}"

    def good(self, raw: dict[str, str] | None = None, **fields: object) -> str:
        mid = self.mid()
        self.add(text(mid, raw, **fields).encode())
        self.expect.ids.append(mid)
        self.expect.accepted += 1
        return mid

    def bad(self, line: str | bytes, reason: str) -> int:
        self.add(line.encode() if isinstance(line, str) else line)
        self.expect.rejected += 1
        self.expect.reasons[reason] = self.expect.reasons.get(reason, 0) + 1
        return len(self.lines)

    def add(self, line: bytes, record: bool = True) -> None:
        self.lines.append(line)
        self.expect.records += record

    def blank(self, line: bytes = b"") -> None:
        self.add(line, record=False)

    def data(self, newline: bytes = b"\n") -> bytes:
        return b"".join(line + newline for line in self.lines)


def rejects_kept(out: File, lines: list[str | bytes], reason: str, as_bytes: bool = False) -> None:
    for line in lines:
        number = out.bad(line, reason)
        if as_bytes:
            out.expect.kept_bytes[number] = (line if isinstance(line, bytes) else line.encode()).decode("latin-1")
        else:
            out.expect.kept[number] = line if isinstance(line, str) else line.decode()


def masked(out: File, line: str | bytes, secret: str, reason: str) -> None:
    raw = line.encode() if isinstance(line, str) else line
    at = raw.index(secret.encode())
    number = out.bad(raw, reason)
    out.expect.masked[number] = [raw[: at - 1].decode("latin-1"), raw[at + len(secret) + 1 :].decode("latin-1")]
