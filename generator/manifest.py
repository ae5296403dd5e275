"""``manifest.json``: exactly what a correct loader must accept, drop as a duplicate or reject, per archive.

The generator counts as it writes; the manifest is written last, so a folder with a manifest holds a whole
archive (a failed run deletes the files it wrote).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from common import reasons

NAME = "manifest.json"


def new(seed: int, events: int, days: int, bad_fraction: float, source_id: str, start: str) -> dict[str, Any]:
    """An empty manifest; the generator fills in the counts (keys in the order they are written)."""
    return {
        "seed": seed,
        "events": events,
        "days": days,
        "bad_fraction": bad_fraction,
        "source_id": source_id,
        "start": start,
        "files": [],  # archive-relative paths, in time order
        "lines": 0,  # non-blank lines: accepted + duplicates + sum(rejects)
        "accepted": 0,  # distinct messages
        "duplicates": 0,  # byte-identical second copies of accepted messages
        "rejects": dict.fromkeys(reasons.REJECT_REASONS, 0),  # reason -> lines
        "type_violations": {},  # event -> property -> accepted messages whose value breaks the spec type
        "unknown_events": {},  # event -> accepted messages
        "unknown_properties": {},  # event -> property -> accepted messages
        "writekey_lines": 0,
        "blank_lines": 0,
        "events_by_name": {},  # event -> accepted messages, after unknown events replaced some
    }


def finish(manifest: dict[str, Any], events_by_name: Counter[str]) -> dict[str, Any]:
    manifest["events_by_name"] = dict(sorted(events_by_name.items()))
    manifest["lines"] = manifest["accepted"] + manifest["duplicates"] + sum(manifest["rejects"].values())
    for key in ("type_violations", "unknown_properties"):
        manifest[key] = {event: dict(props) for event, props in manifest[key].items()}
    return manifest


def write(out: Path, manifest: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / NAME).write_text(json.dumps(manifest, indent=2) + "\n")


def previous_files(out: Path) -> list[str]:
    """The files the manifest already in ``out`` lists (none if there is none)."""
    old = out / NAME
    return json.loads(old.read_text()).get("files", []) if old.exists() else []
