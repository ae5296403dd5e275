"""The Segment envelope: message ids, timestamps and the exact line Segment's S3 destination writes (wire-format.md §5).

Pure functions of their arguments, so an archive writer process encodes a line exactly as the generator
would, and a duplicate written later is byte-identical to its first copy.
"""

from __future__ import annotations

import datetime as dt
import json
import json.encoder
from typing import Any

MINUTE_MS = 60_000
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KSUID_EPOCH = 1_400_000_000  # seconds; KSUIDs count from 2014-05-13T16:53:20Z
_P6, _P9 = 62**6, 62**9
#: Every base62 digit triple (62**3 of them), 3 characters each, in one string: 0.7 MB, where a list of
#: 238,328 strings would take 14 MB in every process.
_TRIPLES = "".join(a + b + c for a in BASE62 for b in BASE62 for c in BASE62)
_SECONDS = [f"{second:02d}." for second in range(60)]
_MILLIS = [f"{ms:03d}Z" for ms in range(1000)]
_MINUTES: dict[int, str] = {}  # epoch minute -> "YYYY-MM-DDTHH:MM:"


def _not_serializable(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encode() -> Any:
    """``json.dumps(value, separators=(",", ":"))``, with the C encoder built once instead of per call."""
    c_make_encoder = json.encoder.c_make_encoder
    if c_make_encoder is None:  # no C accelerator (e.g. PyPy)
        return json.JSONEncoder(separators=(",", ":")).encode
    chunks = c_make_encoder(None, _not_serializable, json.encoder.encode_basestring_ascii, None, ":", ",",
                            False, False, True)  # fmt: skip
    return lambda value: "".join(chunks(value, 0))


encode = _make_encode()
encode_string = json.encoder.encode_basestring_ascii  # encode() of a str, faster


def iso(ms: int) -> str:
    """``2023-01-02T09:14:02.117Z`` for epoch milliseconds."""
    minute, rest = divmod(ms, MINUTE_MS)
    prefix = _MINUTES.get(minute)
    if prefix is None:
        if len(_MINUTES) > 100_000:
            _MINUTES.clear()
        prefix = _MINUTES[minute] = dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%Y-%m-%dT%H:%M:")
    second, ms = divmod(rest, 1000)
    return prefix + _SECONDS[second] + _MILLIS[ms]


def ksuid(ms: int, bits: int) -> str:
    """A Segment HTTP-API message id: ``api-`` + 27-char base62 KSUID (4-byte time, 16 random bytes ``bits``)."""
    # Three 9-digit chunks, each three base62 triples (written out: this runs once per line).
    rest, low = divmod(((ms // 1000 - KSUID_EPOCH) << 128) | bits, _P9)
    high, middle = divmod(rest, _P9)
    h1, rest = divmod(high, _P6)
    h2, h3 = divmod(rest, 238_328)
    m1, rest = divmod(middle, _P6)
    m2, m3 = divmod(rest, 238_328)
    l1, rest = divmod(low, _P6)
    l2, l3 = divmod(rest, 238_328)
    h1, h2, h3, m1, m2, m3, l1, l2, l3 = 3 * h1, 3 * h2, 3 * h3, 3 * m1, 3 * m2, 3 * m3, 3 * l1, 3 * l2, 3 * l3
    t = _TRIPLES
    return (
        f"api-{t[h1 : h1 + 3]}{t[h2 : h2 + 3]}{t[h3 : h3 + 3]}{t[m1 : m1 + 3]}{t[m2 : m2 + 3]}{t[m3 : m3 + 3]}"
        f"{t[l1 : l1 + 3]}{t[l2 : l2 + 3]}{t[l3 : l3 + 3]}"
    )


def message(ms: int, event: str, props: dict, user_id: str, context_json: str, message_id: str, source_id: str) -> dict:
    """The full Segment message, keys in Segment's (alphabetical) order."""
    ts = iso(ms)
    return {
        "channel": "server",
        "context": json.loads(context_json),
        "event": event,
        "integrations": {},
        "messageId": message_id,
        "projectId": source_id,
        "properties": props,
        "receivedAt": ts,
        "timestamp": ts,
        "type": "track",
        "userId": user_id,
        "version": 2,
    }


class LineEncoder:
    """``encode(message(...))`` fast, plus an optional trailing ``writeKey``.

    The long pipeline/policies JSON is encoded once per configuration object; keep one encoder per batch
    of lines (the cache is keyed by object identity and holds the objects, so it must not outlive them).
    """

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self._fragments: dict[tuple[int, int], tuple[list, list, str]] = {}

    def properties(self, props: dict) -> str:
        pipeline, policies = props.get("pipeline"), props.get("policies")
        if type(pipeline) is not list or type(policies) is not list:
            return encode(props)
        key = (id(pipeline), id(policies))
        cached = self._fragments.get(key)
        if cached is None:
            cached = (pipeline, policies, encode({"pipeline": pipeline, "policies": policies})[1:-1])
            self._fragments[key] = cached
        return encode({**props, "pipeline": 0, "policies": 0}).replace('"pipeline":0,"policies":0', cached[2], 1)

    def line(
        self, ms: int, event: str, props: dict, user_id: str, context_json: str, message_id: str, write_key: str = ""
    ) -> str:
        ts = iso(ms)
        tail = f',"writeKey":"{write_key}"' if write_key else ""
        return (
            f'{{"channel":"server","context":{context_json},"event":{encode_string(event)},"integrations":{{}},'
            f'"messageId":"{message_id}","projectId":"{self.source_id}","properties":{self.properties(props)},'
            f'"receivedAt":"{ts}","timestamp":"{ts}","type":"track","userId":"{user_id}","version":2{tail}}}'
        )
