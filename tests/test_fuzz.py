"""Property-based fuzzing of the loader (issue 9): damaged Segment messages in several files of one run.

Every example, on a real DuckDB file: the run ends 0/1 without a traceback; per file ``records = accepted +
duplicates + rejected`` and, for one-message-per-line files, ``non-blank lines = records``; every non-blank line
(every element of a whole-file document) is in raw.events or raw.rejected_events, or is a duplicate whose id is
in raw.events; no writeKey value anywhere in raw.*, and every reject of an NDJSON line keeps exactly that line
with each writeKey value masked (README "No secret is stored"; the generator tracks each value's bytes through
its damage); ``message_id`` unique; a re-run (and a ``--force`` re-run)
adds nothing; the forced slow path lands the same raw layer. ``test_fuzz_in_process`` calls ``loaders.load.load()``;
``test_fuzz_through_the_cli`` runs the real CLI, normally and with the slow path forced, and compares the two.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import jsontext
from loaders.find import text_of
from loaders.jsontext import MASK
from loaders.lines import PREVIEW_BYTES
from loaders.load import load
from loaders.read import FORCE_SLOW
from tests.fuzz_archive import MARK, Archive, File, Spans, archive
from tests.raw_checks import (
    JSON_WS,
    Warehouse,
    cli,
    identity,
    leaks,
    nonblank_lines,
    plain_exit,
    query,
    snapshot,
    unique_ids,
)

#: ``make test`` runs it at the ``ci`` profile's budget, ``make fuzz`` at the ``nightly`` one (tests/conftest.py);
#: ``-m "not fuzz"`` leaves it out.
pytestmark = pytest.mark.fuzz

CLI_EXAMPLES = max(4, settings().max_examples // 25)  # ci: 12; nightly: 200


def write(files: list[File], folder: Path) -> dict[str, File]:
    """Write the archive's files; returns them by the ``source_file`` text the loader stores."""
    folder.mkdir(parents=True)
    written = {}
    for file in files:
        path = os.fsdecode(os.fsencode(folder) + b"/" + file.name)
        Path(path).write_bytes(file.data)
        written[text_of(path)] = file
    return written


def _ids(value: object) -> set[str]:
    """The forms a message id may take once landed (a string is trimmed; other JSON as its text)."""
    if isinstance(value, str):
        return {value, value.strip(), value.strip(" ")}
    return {json.dumps(value), json.dumps(value, separators=(",", ":")), str(value)}


def _duplicate(text: bytes, landed: set[str]) -> bool:
    """Whether a line that left no row was a message (or a one-line array of them) already in raw.events."""
    try:
        value = json.loads(text.decode("utf-8").lstrip("\ufeff"))
    except ValueError:
        return False
    if isinstance(value, dict) and isinstance(value.get("batch"), list):
        value = value["batch"]
    elements = value if isinstance(value, list) and value else [value]
    return all(isinstance(item, dict) and bool(_ids(item.get("messageId")) & landed) for item in elements)


def _masked(line: bytes, spans: Spans, reason: str) -> bytes:
    """What a reject of ``line`` must keep (README "No secret is stored"): the line with each writeKey value (the
    generator's own spans) replaced by ``"***"``; of a ``too_large`` line, its preview."""
    if reason == "too_large":
        cut = PREVIEW_BYTES
        line, spans = line[:cut], [(start, min(end, cut)) for start, end in spans if start < cut]
    for start, end in reversed(spans):
        line = line[:start] + MASK.encode() + line[end:]
    return line


def _comparable(text: bytes | str) -> bytes | str:
    """A kept line as both paths may keep it: without a byte-order mark and without JSON whitespace at its ends."""
    if isinstance(text, bytes):
        return text.removeprefix(b"\xef\xbb\xbf").strip(JSON_WS)
    return text.removeprefix("\ufeff").strip(JSON_WS.decode())


def kept(db: Warehouse, source: str, file: File) -> list[str]:
    """Every reject of an NDJSON line keeps the line, each writeKey value masked and nothing else changed."""
    lines = nonblank_lines(file.content)
    rejects = query(db, "select line_number, reason, raw_line, raw_bytes from raw.rejected_events "
                        "where source_file = $1 and record_index is null", [source])  # fmt: skip
    problems = []
    for number, reason, raw_line, raw_bytes in rejects:
        if number not in lines:
            continue  # reported by accounted()
        expected = _masked(lines[number], file.masks.get(number, []), reason)
        if _comparable(raw_line) != _comparable(expected.decode("utf-8", "backslashreplace")):
            problems.append(f"{source}:{number} raw_line {raw_line[:300]!r} != masked line {expected[:300]!r}")
        elif raw_bytes is not None and _comparable(raw_bytes) != _comparable(expected):
            problems.append(f"{source}:{number} raw_bytes {raw_bytes[:300]!r} != masked line {expected[:300]!r}")
    return problems


def accounted(db: Warehouse, files: dict[str, File], secrets: list[str]) -> list[str]:
    """Every invariant of one run over ``files``; a list of problems (empty when all hold)."""
    problems = identity(db) + unique_ids(db) + leaks(db, secrets)
    loads = {source: (status, records) for source, status, records in query(db, "select source_file, status, "
             "records from raw.loads")}  # fmt: skip
    rows = query(db, "select source_file, line_number, record_index, message_id from raw.events union all "
                     "select source_file, line_number, record_index, null from raw.rejected_events")  # fmt: skip
    landed = {mid for *_, mid in rows if mid is not None}
    lines_seen = {(source, line) for source, line, _, _ in rows}
    indexes_seen = {(source, index) for source, _, index, _ in rows}
    first_of: dict[bytes, str] = {}  # the loader reads the first of byte-identical files (by path) and skips the rest
    for source in sorted(files, key=lambda source: source.encode("utf-8", "surrogateescape")):
        file = files[source]
        if first_of.setdefault(file.data, source) != source:
            if source in loads or source in {row[0] for row in rows}:
                problems.append(f"{source}: the same bytes as {first_of[file.data]}, yet loaded again")
            continue
        status, records = loads.get(source, ("absent", 0))
        if status != "loaded":
            problems += [] if status == "failed" and file.may_fail else [f"{source}: {status} in raw.loads"]
            continue
        if file.elements is not None:
            problems += [] if records == file.elements else [f"{source}: {records} records, {file.elements} elements"]
            value = json.loads(file.content)
            elements = value["batch"] if isinstance(value, dict) else value
            for index, element in enumerate(elements):
                if (source, index) not in indexes_seen and not _ids(element.get("messageId")) & landed:
                    problems.append(f"{source}: element {index} vanished")
            continue
        lines = nonblank_lines(file.content)
        problems += kept(db, source, file)
        if len(lines) != 1 and records != len(lines):  # one line may be a whole-file document
            problems.append(f"{source}: {records} records from {len(lines)} non-blank lines")
        for number, text in lines.items():
            if (source, number) not in lines_seen and not _duplicate(text, landed):
                problems.append(f"{source}:{number} vanished: {text[:160]!r}")
        problems += [f"{source}:{number} has rows but is blank or absent" for row_source, number in lines_seen
                     if row_source == source and number not in lines]  # fmt: skip
    return problems


def disagreement(fast: dict[str, list[tuple]], slow: dict[str, list[tuple]]) -> list[str]:
    """Where the fast and the forced slow path's raw layers differ: the rows of each table that only one holds."""
    problems = []
    for table, rows in fast.items():
        ours, theirs = Counter(rows), Counter(slow[table])  # counted: a row held twice by one path differs too
        only = [("fast", row) for row in (ours - theirs).elements()]
        only += [("slow", row) for row in (theirs - ours).elements()]
        problems += [f"the fast and the forced slow path disagree: raw.{table} only {path}: {row!r:.400}"
                     for path, row in only]  # fmt: skip
    return problems


def _run_in_process(example: Archive, root: Path) -> list[str]:
    files = write(example.files, root / "in")
    db = root / "wh.duckdb"
    summary = load([str(root / "in")], db)
    problems = [f"{result.path}: failed: {result.error}" for result in summary.with_status("failed")
                if not files[text_of(result.path)].may_fail]  # fmt: skip
    problems += [f"{result.path}: failed without a plain error" for result in summary.with_status("failed")
                 if not result.error or "\n" in result.error]  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:  # one connection per look: opening one costs ~20 ms
        problems += accounted(con, files, example.leaks)
        before = snapshot(con)
    load([str(root / "in")], db)
    with duckdb.connect(str(db), read_only=True) as con:
        problems += [] if snapshot(con) == before else ["a re-run changed the raw layer"]
    load([str(root / "in")], db, force=True)
    with duckdb.connect(str(db), read_only=True) as con:
        after = snapshot(con)
        problems += identity(con)
    problems += [] if after["events"] == before["events"] else ["a --force re-run changed raw.events"]
    problems += [] if after["rejects"] == before["rejects"] else ["a --force re-run changed raw.rejected_events"]
    os.environ[FORCE_SLOW] = "1"  # the same files through the slow path only: the same raw layer
    try:
        load([str(root / "in")], root / "slow.duckdb")
    finally:
        del os.environ[FORCE_SLOW]
    with duckdb.connect(str(root / "slow.duckdb"), read_only=True) as con:
        problems += disagreement(before, snapshot(con))
    return problems


@given(archive())
def test_fuzz_in_process(example: Archive) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        problems = _run_in_process(example, Path(tmp).resolve())
    assert not problems, "\n".join(problems)


@settings(max_examples=CLI_EXAMPLES)
@given(archive())
def test_fuzz_through_the_cli(example: Archive) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp).resolve()
        files = write(example.files, root / "in")
        problems = []
        for name, env in (("fast", {}), ("slow", {"LOADERS_FORCE_SLOW_PATH": "1"})):
            db = root / f"{name}.duckdb"
            result = cli(db, "load", str(root / "in"), env=env)
            ended = plain_exit(result, (0, 1))
            problems += [f"{name}: {problem}" for problem in ended or accounted(db, files, example.leaks)]
        if not problems:
            problems += disagreement(snapshot(root / "fast.duckdb"), snapshot(root / "slow.duckdb"))
    assert not problems, "\n".join(problems)


def _spelled(letter: str) -> st.SearchStrategy[str]:
    """One letter of the secret key as a key may write it: either case, literal or ``\\u``-escaped (hex in
    either case), with damage after it (a raw control character or a byte that is not UTF-8) or none."""
    forms = [form for case in (letter.lower(), letter.upper()) for form in (case, f"\\u{ord(case):04x}",
             f"\\u{ord(case):04X}")]  # fmt: skip
    return st.tuples(st.sampled_from(forms), st.sampled_from(["", "\x01", "\t", "\udc80"])).map("".join)


@given(st.tuples(*(_spelled(letter) for letter in "writeKey")).map("".join), st.sampled_from(["", '{"a":1,', "[{"]))
def test_the_secret_prefilter_lets_every_spelling_of_the_key_through(key: str, before: str) -> None:
    """The shortcut that skips tokenizing (jsontext._may_hold_secret) never hides a key that decodes to writeKey."""
    text = before + '{"' + key + '":"' + MARK + '"}'
    assert jsontext.has_secret(text)
    masked = jsontext.mask_secret(text)
    assert MARK not in masked and MASK in masked
