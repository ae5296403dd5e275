"""The strict reading of one line, in Python, for the lines DuckDB could not judge (loaders.classify).

A line is accepted for classification only if it is UTF-8, at most ``MAX_LINE_BYTES``, at most
``MAX_DEPTH`` deep and RFC 8259 JSON (no ``NaN``/``Infinity``, no trailing commas, no raw control
characters, no unpaired surrogate escapes). The secret key's value is masked in what is kept.

A line that fails only the depth or the strict reading is still staged, as its value without the JSON whitespace
around it, for DuckDB to judge as the fast path does (README "Bytes before JSON"): if DuckDB reads it, the SQL
flags it and the strict reading rejects the value's text; if not, the whole line is kept (``Good.unread``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from loaders import jsontext

PREVIEW_BYTES = 1000
BOM = "\ufeff"
#: JSON whitespace around a readable line's value is not kept (DuckDB's reader drops it: both paths agree).
JSON_WS = " \t\r\n"
CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class Bad:
    reason: str
    detail: str
    raw_line: str
    raw_bytes: bytes | None = None


@dataclass(frozen=True)
class Good:
    kind: str  # object | array | scalar
    text: str  # the text to classify (after a strict reading: RFC 8259 JSON, the secret key removed)
    strict: bool = False  # read strictly already (the SQL then flags nothing)
    unread: Bad | None = None  # the reject to keep instead when DuckDB cannot read ``text`` (loaders.read.stage)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def kind_of(text: str) -> str:
    return {"{": "object", "[": "array"}.get(text.lstrip()[:1], "scalar")


def _has_control(text: str) -> bool:
    """Raw control characters (tab included): their line is read strictly, and a reject keeps its bytes."""
    return CONTROL.search(text) is not None


def _bad(reason: str, detail: str, text: str, raw: bytes | None) -> Bad:
    """A reject: its text and (where text cannot hold them exactly) bytes, with the secret masked."""
    if raw is None:
        return Bad(reason, detail, jsontext.mask_secret(text))
    raw = jsontext.mask_secret_bytes(raw)  # the text is the masked bytes as text: one masking, by the bytes
    return Bad(reason, detail, raw.decode("utf-8", "backslashreplace"), raw)


def check_text(text: str, raw: bytes | None = None, strict: bool = False) -> Good | Bad:
    """Read decoded text (a line or a document's element).

    Not strict: only the depth limit; DuckDB judges the JSON and flags what Python must read strictly.
    Strict: RFC 8259 by Python's reader, and the secret key cut from the text.
    """
    exact = raw if raw is not None and _has_control(text) else None  # keep bytes a text column can't show
    deepest = jsontext.depth(text)
    if deepest > MAX_DEPTH:
        return _bad("too_deep", f"nested {deepest} levels deep > limit {MAX_DEPTH}", text, exact)
    if not strict:
        return Good(kind_of(text), text.strip(JSON_WS))
    try:
        json.loads(text, parse_constant=_no_constant)
        text.encode("utf-8")  # an escaped lone surrogate decodes in Python but is not UTF-8 text
    except (ValueError, RecursionError) as error:
        return _bad("invalid_json", f"not valid JSON: {error}", text, exact)
    except UnicodeEncodeError:
        return _bad("invalid_json", "not valid JSON: an unpaired UTF-16 surrogate escape", text, exact)
    text = jsontext.mask_secret(text)  # masked, not cut: a line rejected later keeps everything but the value
    return Good(kind_of(text), text.strip(JSON_WS), strict=True)


def check_line(raw: bytes, first: bool = False) -> Good | Bad | None:
    """Read one physical line (without its newline); None for a blank line. A reject only for what DuckDB
    cannot see (not UTF-8, too large); the rest is staged (see the module's docstring)."""
    raw = raw.removesuffix(b"\r")
    if not raw.strip(b" \t\r\n"):
        return None
    if len(raw) > MAX_LINE_BYTES:
        preview = jsontext.mask_secret_bytes(raw[:PREVIEW_BYTES]).decode("utf-8", "backslashreplace")
        return Bad("too_large", f"{len(raw)} bytes > limit {MAX_LINE_BYTES}", preview)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        detail = f"invalid UTF-8 byte 0x{raw[error.start]:02x} at offset {error.start}"
        return _bad("invalid_utf8", detail, raw.decode("utf-8", "backslashreplace"), raw)
    if first:
        text = text.removeprefix(BOM)  # a byte-order mark before the first line is not part of the data
    found = check_text(text, raw, strict=_has_control(text))
    if isinstance(found, Bad):  # too deep or not strict JSON: judged on the value, as the fast path judges it
        value = text.strip(JSON_WS)
        return Good(kind_of(value), value, unread=found)
    return found
