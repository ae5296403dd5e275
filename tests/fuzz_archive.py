"""Hypothesis strategies for tests/test_fuzz.py: Segment messages, damaged the way real pipelines damage them
(truncation, invalid UTF-8, BOM, CRLF, NUL and other control bytes, lone surrogates, NaN, duplicate keys, deep
nesting, huge lines, odd numbers, non-string envelope fields, SQL- and path-shaped keys and file names, writeKey
in every spelling), written into the files of one run, gzipped or plain."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field

from hypothesis import strategies as st

from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from tests.corpus_kit import CONTEXT, USER, deep

#: Every writeKey value is MARK + 12 letters of SECRET_LETTERS (none is a hex digit, so no hash, number or id can
#: look like one); a leak is its first 8 letters anywhere in raw.* (Archive.leaks).
MARK = "wkS3cr3t"
SECRET_LETTERS = "ghjkmnpqrstvwxyz"
SPELLINGS = ['"writeKey"', '"WriteKey"', '"WRITEKEY"', '"writekey"', r'"wri\u0074eKey"', r'"\u0077riteKey"',
             r'"writeK\u0065y"', r'"\u0057RITEKEY"', r'"wRiTeKeY"']  # fmt: skip
ODD_KEYS = ["'; drop table raw.events; --", "$.properties", "a.b", 'q"uote', "back\\slash", "../../etc/passwd",
            "C:\\Windows\\x", "", "ключ", "\U0001f600", "batch", "%s%n", "{{ var('x') }}", "\x00", "NaN",
            "type"]  # fmt: skip
EVENTS = ["Shell Started", "Training Started", "Training Completed", "Model NLU Tested", "Server Started", "Nope"]
TIMES = ["2021-11-03T09:25:13.777Z", "2021-11-03T10:25:13Z", "2021-11-03T09:25:13.777+02:00", "0000-01-01",
         "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "+275760-09-13T00:00:00Z",
         "294247-01-10T04:00:54.775807Z", "not a time", ""]  # fmt: skip
ODD_VALUES = [None, "", "  ", 0, -1, 1.5, True, False, [], {}, ["x"], {"a": 1}]
NAMES = ["a", "*", "a[1]", "q?", "x'; drop table raw.events; --", "new\nline", "back\\slash", "$(id)", "-rf ",
         "données", "..", " lead", "%2e%2e"]  # fmt: skip
BAD_NAME_BYTES = [b"\xff", b"\xe9", b"\xed\xa0\x80", b"\xc3"]  # not UTF-8 (the third: an encoded surrogate)
SUFFIXES = [".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.text(max_size=8),
                    st.floats(allow_nan=False, allow_infinity=False))  # fmt: skip
keys = st.one_of(st.sampled_from(ODD_KEYS), st.text(max_size=6))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=6)  # fmt: skip


def envelope(usual: st.SearchStrategy) -> st.SearchStrategy:
    """An envelope field: usually a good value, sometimes absent (DROP), odd or of the wrong JSON type."""
    return st.one_of(usual, usual, usual, st.sampled_from(ODD_VALUES), st.just(DROP))


DROP = "\x00drop"
PLACES = ["top", "context", "properties", "nested"]  # where a message carries a writeKey


@st.composite
def message(draw: st.DrawFn, number: int, secrets: list[str]) -> dict:
    body = {
        "messageId": draw(envelope(st.sampled_from([f"m{number}", f"m{number}", "dup-0", "dup-1", " dup-0 "]))),
        "event": draw(envelope(st.sampled_from(EVENTS))),
        "userId": draw(envelope(st.sampled_from([USER, "u-2", 42]))),
        "timestamp": draw(envelope(st.sampled_from(TIMES))),
        "receivedAt": draw(envelope(st.sampled_from(TIMES))),
        "type": "track",
        "properties": draw(envelope(st.dictionaries(keys, values, max_size=4))),
        "context": draw(envelope(st.just(CONTEXT) | st.dictionaries(keys, values, max_size=3))),
    }
    body.update(draw(st.dictionaries(st.sampled_from(ODD_KEYS), values, max_size=2)))
    for place in draw(st.lists(st.sampled_from(PLACES), max_size=2)):
        secret = _secret(draw(st.integers(0, 16**12 - 1)))
        secrets.append(secret)
        value = f"\x01{len(secrets) - 1}"  # a placeholder: spelled and escaped in line()
        if place == "top" or not isinstance(body.get("context"), dict) or not isinstance(body.get("properties"), dict):
            body[f"\x02{len(secrets) - 1}"] = value
        elif place == "context":
            body["context"] = {**body["context"], f"\x02{len(secrets) - 1}": value}
        else:
            inner = {f"\x02{len(secrets) - 1}": value}
            body["properties"] = {**body["properties"], "a": [inner] if place == "nested" else inner}
    return {key: value for key, value in body.items() if value != DROP}


DUPLICATE_SECRET = '"writeKey":1,'
STRUCTURAL = {
    "duplicate_key": ['"event":"Dup",', '"messageId":"dup-1",', '"userId":null,', DUPLICATE_SECRET],
    "nan": ['"x":NaN,', '"x":Infinity,', '"x":-Infinity,', '"x":[1,NaN],'],
    "lone_surrogate": [r'"s":"\ud800",', r'"s":"a\udfff",', r'"\ud83dk":1,', r'"s":"\ude00\ud83d",'],
    "deep": [f'"deep":{deep(levels)},' for levels in (MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, 500, 10_000)],
    "odd_numbers": ['"n":1e400,', '"n":-0,', '"n":123456789012345678901234567890,', '"n":-1.5e-400,', '"n":-0.0E-0,'],
    "huge": [f'"pad":"{"x" * (MAX_LINE_BYTES + extra)}",' for extra in (1, 100)],
}
WRAPPERS = ["[{line}]", "[{line},{line}]", "[]", "[1,2]", '"just a string"', "42", "null", "  {line}\t"]
BYTES = ["truncate", "invalid_utf8", "control", "bom"]


Spans = list[tuple[int, int]]  # byte offsets (start, end) of writeKey values in a line


def _shifted(spans: Spans, at: int, size: int) -> Spans:
    """Spans after ``size`` bytes are inserted at ``at``: a value the bytes land strictly inside grows, and
    bytes next to a value are not part of it (the masking reads past them, README "No secret is stored")."""
    return [(start + size * (at <= start), end + size * (at < end)) for start, end in spans]


def _value_spans(text: str, values: list[str]) -> Spans:
    """Byte spans in ``text`` (as written: UTF-8, lone surrogates kept) of every occurrence of each value."""
    spans = []
    for value in values:
        at = text.find(value)
        while at >= 0:
            start = len(text[:at].encode("utf-8", "surrogatepass"))
            spans.append((start, start + len(value.encode("utf-8", "surrogatepass"))))
            at = text.find(value, at + len(value))
    return sorted(set(spans))  # two secrets may be equal (a shrunk example): one span each place


@st.composite
def line(draw: st.DrawFn, number: int, secrets: list[str], valid_json_only: bool = False) -> tuple[bytes, Spans]:
    """One message as a line, damaged 0-3 ways; ``valid_json_only`` keeps it valid JSON (inside a document).

    Also returns the byte spans of every writeKey member's value in it (what a reject masks): the oracle's own
    account of the rule, kept through every damage (a truncation cuts a value, an insertion inside one widens it).
    """
    body = message(number, secrets)
    text = json.dumps(draw(body), ensure_ascii=draw(st.booleans()), separators=draw(
        st.sampled_from([(",", ":"), (", ", ": ")])))  # fmt: skip
    values = []
    for index in range(len(secrets)):  # spell each writeKey key, and sometimes escape its value's first letter
        spelled = draw(st.sampled_from(SPELLINGS))
        text = text.replace(json.dumps(f"\x02{index}"), spelled)
        value = '"' + draw(st.sampled_from(["w", r"\u0077"])) + secrets[index][1:] + '"'
        values += [value] if json.dumps(f"\x01{index}") in text else []
        text = text.replace(json.dumps(f"\x01{index}"), value)
    keeps_json = [kind for kind in ("duplicate_key", "odd_numbers") if kind in STRUCTURAL]
    kinds = keeps_json if valid_json_only else [*STRUCTURAL, "wrap", *BYTES]
    damages = draw(st.lists(st.sampled_from(kinds), max_size=3, unique=True))
    for kind in [kind for kind in STRUCTURAL if kind in damages]:
        text = "{" + draw(st.sampled_from(STRUCTURAL[kind])) + text[1:]
    if "wrap" in damages:
        text = draw(st.sampled_from(WRAPPERS)).replace("{line}", text)
    data = text.encode("utf-8", "surrogatepass")
    spans = _value_spans(text, values)
    spans += [(start + len(DUPLICATE_SECRET) - 2, start + len(DUPLICATE_SECRET) - 1)
              for start, _ in _value_spans(text, [DUPLICATE_SECRET])]  # the 1 of '"writeKey":1,'  # fmt: skip
    if "truncate" in damages and len(data) > 1:
        data = data[: draw(st.integers(1, len(data) - 1))]
        spans = [(start, min(end, len(data))) for start, end in spans if start < len(data)]
    for kind, choices in (("invalid_utf8", [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"]),
                          ("control", [b"\x00", b"\x01", b"\x08", b"\x1b", b"\x1f", b"\r", b"\t"])):  # fmt: skip
        if kind in damages:
            at = draw(st.integers(0, len(data)))
            inserted = draw(st.sampled_from(choices))
            data = data[:at] + inserted + data[at:]
            spans = _shifted(spans, at, len(inserted))
    if "bom" in damages:
        return b"\xef\xbb\xbf" + data, sorted(_shifted(spans, 0, 3))
    return data, sorted(spans)


@dataclass
class File:
    name: bytes
    data: bytes  # as written (gzipped or not)
    content: bytes  # decompressed
    elements: int | None  # a whole-file JSON document of this many records; None: one record per non-blank line
    may_fail: bool = False  # a truncated gzip file fails on its own
    masks: dict[int, Spans] = field(default_factory=dict)  # physical line -> its writeKey values (byte spans)


@dataclass
class Archive:
    files: list[File]
    secrets: list[str]

    @property
    def leaks(self) -> list[str]:
        """What must appear nowhere in raw.*: each writeKey value's first 8 letters (a truncated value too)."""
        return sorted({secret[len(MARK) : len(MARK) + 8] for secret in self.secrets})


@st.composite
def document(draw: st.DrawFn, first: int, secrets: list[str]) -> tuple[bytes, int]:
    """A whole-file JSON document: an array or a Segment batch body, pretty-printed or on one line."""
    count = draw(st.integers(0, 4))
    items = [draw(line(first + n, secrets, valid_json_only=True))[0].decode() for n in range(count)]
    indent = draw(st.sampled_from(["", "\n  "]))
    joined = ("," + indent).join(items)
    if draw(st.booleans()) and count:
        body = f'{{"batch":[{indent}{joined}],"context":{{"cpu":2}},"writeKey":"{secrets_add(secrets)}"}}\n'
        return body.encode(), count
    return f"[{indent}{joined}{indent[:1]}]\n".encode(), max(count, 1)  # an empty array is one reject


def _secret(number: int) -> str:
    return MARK + "".join(SECRET_LETTERS[(number >> (4 * place)) & 15] for place in range(12))


def secrets_add(secrets: list[str]) -> str:
    secrets.append(_secret(len(secrets) * 7919 + 12345))
    return secrets[-1]


@st.composite
def archive(draw: st.DrawFn) -> Archive:
    secrets: list[str] = []
    files: list[File] = []
    names = draw(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from([b"", *BAD_NAME_BYTES]),
                                    st.sampled_from(SUFFIXES)), min_size=1, max_size=4))  # fmt: skip
    for index, (stem, bad, suffix) in enumerate(names):
        first = 100 * index
        if draw(st.integers(0, 5)) == 0:
            content, elements = draw(document(first, secrets))
            masks = {}
        else:
            blanks = st.sampled_from([(b"", []), (b"  ", []), (b"\t", [])])
            lines = [draw(blanks if draw(st.integers(0, 5)) == 0 else line(first + n, secrets))
                     for n in range(draw(st.integers(1, 8)))]  # fmt: skip
            newline = draw(st.sampled_from([b"\n", b"\r\n"]))
            content = newline.join(data for data, _ in lines) + draw(st.sampled_from([newline, b""]))
            elements, masks = None, {number: spans for number, (_, spans) in enumerate(lines, 1) if spans}
        name = f"{index}-{stem}".encode() + bad + suffix.encode()
        data = gzip.compress(content, mtime=0) if suffix.endswith(".gz") else content
        may_fail = suffix.endswith(".gz") and draw(st.integers(0, 9)) == 0
        if may_fail:
            data = data[: len(data) // 2]
        files.append(File(name, data, content, elements, may_fail, masks))
    return Archive(files, secrets)
