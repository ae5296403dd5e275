"""Files that hold one JSON document (an array of messages, a Segment batch body) instead of NDJSON.

A file is a document when its whole text is one JSON value and it is not one message per line: it spans
several lines (pretty-printed), or it is an array or a batch body on one line. Its elements become records
with ``record_index`` = position and ``line_number`` = the line where the element starts.
"""

from __future__ import annotations

import json
import re

from loaders import jsontext
from loaders.lines import BOM, Bad, Good, check_text

Record = tuple[int, int | None, Good | Bad]  # (line_number, record_index, what the element is)


#: A byte that is not JSON whitespace.
_NOT_BLANK = re.compile(rb"[^ \t\r\n]")
_BOM_BYTES = BOM.encode()


def document_text(data: bytes) -> str | None:
    """The file's text when it is one JSON document (see module doc), else None (it is NDJSON).

    An NDJSON file is told by its first line (a whole JSON value with more text after it) before the whole
    file is decoded: a file of the 10M archive is 35 MB, which took two copies of it as text.
    """
    head = data.removeprefix(_BOM_BYTES).lstrip(b" \t\r\n")
    if head[:1] not in (b"[", b"{"):
        return None
    newline = head.find(b"\n")
    one_line = newline == -1 or not _NOT_BLANK.search(head, newline)
    if not one_line:
        try:
            first = head[:newline].decode("utf-8")
        except UnicodeDecodeError:
            return None  # nor would the whole text decode
        if jsontext.is_one_value(first):
            return None  # the first line stands alone: one message per line
    try:
        text = data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError:
        return None
    stripped = text.strip(" \t\r\n")
    if not jsontext.is_one_value(stripped):
        return None
    if one_line and stripped[0] == "{" and not _batch(stripped):
        return None  # one message on one line: an ordinary NDJSON line
    return text


def _batch(text: str) -> list[tuple[int, str]] | None:
    """A batch body's elements, or None when the object is not one."""
    for member in jsontext.members(text):
        if member.key == '"batch"' and member.value.startswith("["):
            return jsontext.elements(member.value)
    return None


def _name(key: str) -> str:
    return json.loads(key)


def _merged(defaults: list[jsontext.Member], element: str) -> str:
    """Segment batch semantics: top-level fields are defaults for each element, ``context`` and
    ``integrations`` merged key by key (the element's keys win). Spliced as text: values stay as written."""
    own = {_name(member.key): member for member in jsontext.members(element)}
    pairs = []
    for default in defaults:
        name = _name(default.key)
        mine = own.get(name)
        if mine is None:
            pairs.append((default.key, default.value))
        elif name in ("context", "integrations") and mine.value.startswith("{") and default.value.startswith("{"):
            inner = {_name(item.key): item for item in jsontext.members(default.value)}
            inner.update({_name(item.key): item for item in jsontext.members(mine.value)})
            own[name] = jsontext.Member(
                mine.key, jsontext.object_text([(m.key, m.value) for m in inner.values()]), 0, 0
            )
    pairs += [(member.key, member.value) for member in own.values()]
    return jsontext.object_text(pairs)


def records(text: str) -> list[Record]:
    """The records of a document file's text."""
    start = len(text) - len(text.lstrip(" \t\r\n"))
    body = text.strip(" \t\r\n")

    def line_of(offset: int) -> int:
        return text.count("\n", 0, start + offset) + 1

    if body.startswith("["):
        items = jsontext.elements(body)
        if not items:
            return [(line_of(0), None, Bad("not_an_object", "an empty JSON array: no messages", body))]
        return [(line_of(offset), index, check_text(item)) for index, (offset, item) in enumerate(items)]
    batch = _batch(body)
    if batch is None:
        return [(line_of(0), None, check_text(body))]
    defaults = [
        m for m in jsontext.members(body) if _name(m.key) != "batch" and not jsontext.is_secret_name(_name(m.key))
    ]
    found: list[Record] = []
    offset_of_batch = body.find("[", body.find('"batch"'))
    for index, (offset, item) in enumerate(batch):
        merged = _merged(defaults, item) if item.startswith("{") else item
        found.append((line_of(offset_of_batch + offset), index, check_text(merged)))
    if not batch:
        found.append((line_of(0), None, Bad("not_an_object", "a batch body with no messages", body)))
    return found
