"""Finding input files and facts about them (hash, size, uncompressed size)."""

from __future__ import annotations

import glob
import hashlib
import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

#: What a folder contributes: NDJSON/JSON captures, each optionally gzipped, and Segment's bare ``*.gz`` files.
SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz")


@dataclass(frozen=True)
class InputFile:
    path: Path
    bytes: int
    sha256: str
    modified_at: datetime
    uncompressed_bytes: int | None  # gzip ISIZE (mod 2**32) or the plain size; None if unknown

    @property
    def is_gzip(self) -> bool:
        return self.path.suffix == ".gz"


class InputError(Exception):
    """A path named on the command line matched nothing."""


def expand(paths: list[str]) -> list[Path]:
    """Files named, found under folders (recursively) or matched by globs; sorted, each once."""
    found: dict[Path, None] = {}
    for raw in paths:
        matches = glob.glob(raw, recursive=True) if glob.has_magic(raw) else [raw]
        if not matches:
            raise InputError(f"{raw}: no such file, folder or glob match")
        for match in matches:
            path = Path(match)
            if path.is_dir():
                for child in sorted(path.rglob("*")):
                    if child.is_file() and child.name.endswith(SUFFIXES):
                        found[child.resolve()] = None
            else:
                found[path.resolve()] = None  # a missing file fails later, recorded in raw.loads
    return sorted(found)


def describe(path: Path) -> InputFile:
    """Hash and size a file. Raises OSError if it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            tail = (tail + chunk)[-4:]
    # gzip's trailer holds the uncompressed size modulo 2**32 (ISIZE)
    gzip_size = struct.unpack("<I", tail)[0] if len(tail) == 4 else None
    uncompressed = gzip_size if path.suffix == ".gz" else size
    stat = os.stat(path)
    return InputFile(
        path=path,
        bytes=size,
        sha256=digest.hexdigest(),
        modified_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC).replace(tzinfo=None),
        uncompressed_bytes=uncompressed,
    )
