"""Sample data: a deterministic Segment S3 archive of Rasa telemetry, written as it is generated.

Writes ``out/segment-logs/<source-id>/<UTC day start ms>/<copy ms>.<hex>.gz`` (gzipped NDJSON, one
Segment-enriched track call per line, as in wire-format.md §5-6) and ``out/manifest.json``, which states
exactly what a correct loader must accept, drop as a duplicate or reject. The same arguments give the same
bytes. Memory follows one 3-hour window and the installations active in it, not the archive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from generator import manifest as manifests
from generator.bad_lines import Scatter, bad_line, plan_counts
from generator.envelope import BASE62, KSUID_EPOCH, ksuid, message
from generator.installations import DAY_MS, plan_installations
from generator.quirks import DUPLICATE_RATE, Quirks
from generator.rng import FastRandom
from generator.sessions import MINUTE, Record
from generator.timeline import WINDOW_MS, WINDOWS_PER_DAY, Timeline
from generator.writer import ArchiveWriter, Item, default_workers

DEFAULT_START = dt.date(2023, 1, 2)
BLANK_LINES = 2  # in an archive with bad lines


def _check(events: int, days: int, bad_fraction: float, start: dt.date) -> int:
    """Validate the arguments; returns the start in epoch milliseconds."""
    if events < 0 or days < 1 or not 0 <= bad_fraction < 0.5:
        raise ValueError("need events >= 0, days >= 1 and 0 <= bad_fraction < 0.5")
    start_ms = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp() * 1000)
    if start_ms // 1000 < KSUID_EPOCH:
        raise ValueError("start must be 2014-05-14 or later (Segment message ids count time from 2014-05-13)")
    return start_ms


@contextlib.contextmanager
def no_cycle_collector() -> Iterator[None]:
    """Python's cyclic garbage collector off inside (reference counting still frees everything: the generator
    makes no reference cycles; ``gc.collect()`` after 300k events finds 33 unreachable objects).

    The generator makes about ten container objects per event and keeps a growing set alive (installations, a
    window's records), which every full collection walks again: at 10M events the collector took a third of
    the generating process's time (204-214 s with it, 141 s without, the same bytes; that process peaked at
    0.2 GB either way).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@no_cycle_collector()
def generate(
    out: Path,
    events: int,
    days: int,
    seed: int,
    bad_fraction: float = 0.0,
    start: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write a Segment-S3-layout archive under ``out`` and return the manifest (also in out/manifest.json).

    ``progress`` is called once per file written with its number of distinct messages (they add up to
    ``events``). ``workers``: encoding/gzip processes (default: one per CPU; 0 = in this process).
    """
    start = start or DEFAULT_START
    start_ms = _check(events, days, bad_fraction, start)
    out, rng = Path(out), FastRandom(seed)
    source_id = "".join(rng.choices(BASE62, k=10))
    manifest = manifests.new(seed, events, days, bad_fraction, source_id, start.isoformat())
    plan = plan_installations(rng, events, start_ms, start_ms + days * DAY_MS)
    timeline = Timeline(rng, plan, events, start_ms, days)
    n_bad = round(bad_fraction * events * (1 + DUPLICATE_RATE) / (1 - bad_fraction))
    counts = plan_counts(n_bad) if bad_fraction > 0 and events else {}
    scatter = Scatter(rng, counts, BLANK_LINES if counts else 0, timeline.targets)
    assemble = Assembler(rng, source_id, manifest, Quirks(rng, events, bad_fraction, manifest), scatter)
    workers = default_workers() if workers is None else workers
    with ArchiveWriter(out, source_id, workers, progress) as writer:
        for w, records in timeline:
            items = assemble(w, records, last=w == timeline.n_windows - 1)
            if items:
                rel = _file_name(rng, source_id, start_ms // WINDOW_MS + w)
                writer.write(rel, items, len(records))
                manifest["files"].append(rel)
    assert not assemble.later, "a duplicate was due after the archive's last day"
    manifests.finish(manifest, assemble.names)
    manifests.write(out, manifest)
    return manifest


class Assembler:
    """Turns a window's records into its file's items: quirks, message ids, duplicates, bad lines."""

    def __init__(self, rng: random.Random, source_id: str, manifest: dict, quirks: Quirks, scatter: Scatter) -> None:
        self.rng, self.source_id, self.manifest, self.quirks, self.scatter = rng, source_id, manifest, quirks, scatter
        self.later: dict[int, list[Item]] = {}  # window -> duplicates due in its file
        self.names: Counter[str] = Counter()  # accepted messages per event
        self.template: Record | None = None  # a recent record: the message a bad line is made from

    def __call__(self, w: int, records: list[Record], last: bool) -> list[Item]:
        rng, manifest = self.rng, self.manifest
        items: list[Item] = []
        extra: list[Item] = []  # duplicates of this window's messages, after them in its own file
        last_of_day = (w // WINDOWS_PER_DAY + 1) * WINDOWS_PER_DAY - 1
        done = manifest["accepted"]
        for rec in records:
            done += 1
            write_key, duplicate = self.quirks.mark(rec, done)
            inst = rec[1]
            item = (rec[0], rec[2], rec[3], inst.user_id, inst.context_json, rng.getrandbits(128), write_key)
            items.append(item)
            if duplicate:
                target = rng.randint(w + 1, last_of_day) if w < last_of_day else w
                (extra if target == w else self.later.setdefault(target, [])).append(item)
        manifest["accepted"] = done
        self.names.update(rec[2] for rec in records)
        for item in self.later.pop(w, []):
            items.insert(rng.randint(0, len(items)), item)
            manifest["duplicates"] += 1
        items += extra
        manifest["duplicates"] += len(extra)
        self.template = records[-1] if records else self.template
        if self.template is not None:  # else the bad lines due wait for a window with messages
            for reason in self.scatter.due(w, last):
                rec = records[rng.randrange(len(records))] if records else self.template
                items.insert(rng.randint(0, len(items)), _bad(rng, reason, rec, self.source_id, manifest))
        return items


def _bad(rng: random.Random, reason: str, rec: Record, source_id: str, manifest: dict) -> bytes:
    """A bad line (or a blank one, reason "") made from ``rec``'s message with a fresh id."""
    if not reason:
        manifest["blank_lines"] += 1
        return b""
    inst = rec[1]
    msg = message(rec[0], rec[2], rec[3], inst.user_id, inst.context_json, ksuid(rec[0], rng.getrandbits(128)),
                  source_id)  # fmt: skip
    manifest["rejects"][reason] += 1
    return bad_line(rng, reason, msg)


def _file_name(rng: random.Random, source_id: str, window: int) -> str:
    """``segment-logs/<source>/<day start ms>/<copy ms>.<12 hex>.gz``: copied about 40 minutes after the window."""
    day_ms = window * WINDOW_MS // DAY_MS * DAY_MS
    copied = (window + 1) * WINDOW_MS + 40 * MINUTE + rng.randrange(60_000)
    return f"segment-logs/{source_id}/{day_ms}/{copied}.{rng.getrandbits(48):012x}.gz"
