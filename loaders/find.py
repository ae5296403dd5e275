"""The find-files stage: which input files a run reads, which it skips and which fail, and facts about them.

:func:`find` turns the command line's paths into candidate files without reading them; :func:`plan` decides,
against ``raw.loads``, what to load, what to skip (already loaded, or the same bytes as another file of this
run) and what failed (a symlink loop, a broken link, no permission). Nothing here raises on a file's name or
contents: the worst a file can do is fail on its own. README "Loading" states the rules.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import re
import shutil
import stat
import struct
import tempfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

#: What a folder contributes: NDJSON/JSON captures, each optionally gzipped, and Segment's bare ``*.gz`` files.
SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz")

#: Characters DuckDB's file reader takes as a glob (``*.json`` would read every file of the folder), plus
#: backslashes and control characters: a file whose name has any is read through an alias (:class:`Plan`).
NOT_PLAIN = re.compile(r"[*?\[\]{}\\\x00-\x1f\x7f]")
EPOCH = datetime(1970, 1, 1)


class InputError(Exception):
    """A path named on the command line matched nothing (a usage error, exit 2)."""


def text_of(path: Path | str) -> str:
    """A path as storable text (``source_file``): its bytes as UTF-8, a byte that is not UTF-8 as ``\\xNN``.

    Python keeps such bytes as lone surrogates (``os.fsdecode``), which DuckDB cannot store; the escaped text
    can. Two paths that differ only by a literal ``\\xNN`` in one and that byte in the other map to the same
    text (no real archive has both).
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Candidate:
    """A file a path named or matched: absolute, resolved when it resolves; ``error`` if it cannot be read."""

    path: Path
    error: str | None = None


@dataclass(frozen=True)
class InputFile:
    path: Path  # the real file (what Python reads)
    bytes: int
    sha256: str
    modified_at: datetime | None  # mtime, naive UTC to the microsecond; None if not representable
    uncompressed_bytes: int | None  # gzip ISIZE (mod 2**32) or the plain size; None if unknown
    scan_path: str = ""  # what DuckDB's reader opens: the path itself, or an alias when its name is not plain
    #: whether the file's last byte is a newline (None for a gzip file over SMALL_GZIP_BYTES: not known without
    #: inflating it all)
    ends_with_newline: bool | None = None

    @property
    def is_gzip(self) -> bool:
        return self.path.suffix == ".gz"

    @property
    def source_file(self) -> str:
        return text_of(self.path)

    @property
    def text_bytes(self) -> int:
        """Bytes of text it holds (the compressed size when that is unknown): what chunks and look-ahead budget."""
        return self.uncompressed_bytes or self.bytes


@dataclass(frozen=True)
class Skipped:
    path: Path
    bytes: int
    reason: str  # "already loaded" | "already loaded (same content as X)" | "same content as X"


@dataclass(frozen=True)
class Failed:
    path: Path
    error: str
    bytes: int | None = None
    sha256: str | None = None


@dataclass
class Plan:
    """What a run does with each candidate; :meth:`close` removes the aliases made for DuckDB's reader."""

    load: list[InputFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)  # --verify: same path, size and mtime, other content
    alias_dir: Path | None = None

    def alias(self, path: Path) -> str:
        """A plain name DuckDB can open for ``path`` (a symlink in a private folder, same compression suffix)."""
        if self.alias_dir is None:
            _sweep_aliases()
            self.alias_dir = Path(tempfile.mkdtemp(prefix=f"loaders-alias-{os.getpid()}-"))
        link = self.alias_dir / f"{len(os.listdir(self.alias_dir))}{'.json.gz' if path.suffix == '.gz' else '.json'}"
        os.symlink(path, link)
        return str(link)

    def close(self) -> None:
        if self.alias_dir is not None:
            shutil.rmtree(self.alias_dir, ignore_errors=True)
            self.alias_dir = None


def _sweep_aliases() -> None:
    """Remove alias folders left by loaders that were killed (``kill -9`` skips :meth:`Plan.close`)."""
    for folder in Path(tempfile.gettempdir()).glob("loaders-alias-*-*"):
        pid = folder.name.split("-")[2]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, OSError):  # not ours, or alive under another user
            continue


def _why(error: OSError, path: Path | str) -> str:
    """A plain, one-line reason a file cannot be read."""
    if error.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if error.errno == errno.ENOENT and os.path.islink(path):
        return f"broken symlink (to {text_of(os.readlink(path))}: no such file)"
    return f"{type(error).__name__}: {error.strerror or error}"


def _candidate(path: Path | str) -> Candidate:
    absolute = Path(os.path.abspath(path))
    try:
        mode = os.stat(absolute).st_mode
    except OSError as error:
        return Candidate(absolute, _why(error, absolute))
    if not stat.S_ISREG(mode):
        return Candidate(absolute, "not a regular file")  # a FIFO would block the reader
    return Candidate(Path(os.path.realpath(absolute)))


def _walk(folder: str, found: dict[Path, Candidate]) -> None:
    """Files under ``folder`` (a real path) with a known suffix. Symlinked files are followed, symlinked folders
    are not (as ``find`` does), so a link back to a parent cannot loop."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: os.fsencode(entry.name))
    except OSError as error:
        found.setdefault(Path(folder), Candidate(Path(folder), f"cannot list the folder: {_why(error, folder)}"))
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, found)
        elif entry.name.endswith(SUFFIXES):
            if entry.is_symlink():
                if os.path.isdir(entry.path):
                    continue
                candidate = _candidate(entry.path)
            elif entry.is_file(follow_symlinks=False):  # under a real folder, so its own path is real
                candidate = Candidate(Path(entry.path))
            else:
                candidate = Candidate(Path(entry.path), "not a regular file")  # a FIFO would block the reader
            found.setdefault(candidate.path, candidate)


def find(paths: list[str]) -> list[Candidate]:
    """Files named, found under folders (recursively) or matched by globs; sorted by path bytes, each once.

    A path that exists is taken literally even if it looks like a glob (``a[1].json``). Raises
    :class:`InputError` for a path or glob that matches nothing and is not a plain file name.
    """
    found: dict[Path, Candidate] = {}
    for raw in paths:
        if os.path.lexists(raw) or not glob.has_magic(raw):
            matches = [raw]
        else:
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise InputError(f"{text_of(raw)}: no such file, folder or glob match")
        for match in matches:
            if os.path.isdir(match):
                _walk(os.path.realpath(match), found)
            else:
                candidate = _candidate(match)  # a missing file fails later, recorded in raw.loads
                found.setdefault(candidate.path, candidate)
    return sorted(found.values(), key=lambda candidate: os.fsencode(candidate.path))


def expand(paths: list[str]) -> list[Path]:
    """The candidate files' paths (for callers that only need the list, e.g. bench/)."""
    return [candidate.path for candidate in find(paths)]


def _mtime(st: os.stat_result) -> datetime | None:
    try:
        return EPOCH + timedelta(microseconds=st.st_mtime_ns // 1000)
    except OverflowError:
        return None


#: A gzip file up to this size is inflated once more to learn its last byte (README "Known limitations").
SMALL_GZIP_BYTES = 64 << 10


def _gzip_ends_with_newline(data: bytes) -> bool | None:
    """Whether a (small, whole) gzip file's text ends with a newline, inflated 1 MiB at a time (a small file may
    inflate to much more); None when it does not inflate to its end."""
    last = b""
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)  # one gzip member; a file may hold several
            while data and not inflater.eof:
                last = inflater.decompress(data, 1 << 20)[-1:] or last
                data = inflater.unconsumed_tail
            if not inflater.eof:
                return None
            data = inflater.unused_data
    except zlib.error:
        return None
    return last == b"\n"


def describe(path: Path) -> InputFile:
    """Hash and size a file. Raises OSError if it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    tail = data = b""
    with path.open("rb") as handle:
        st = os.fstat(handle.fileno())
        small_gzip = path.suffix == ".gz" and st.st_size <= SMALL_GZIP_BYTES
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            tail = (tail + chunk)[-4:]
            data += chunk if small_gzip else b""
    # gzip's trailer holds the uncompressed size modulo 2**32 (ISIZE)
    gzip_size = struct.unpack("<I", tail)[0] if len(tail) == 4 else None
    uncompressed = gzip_size if path.suffix == ".gz" else size
    ends = _gzip_ends_with_newline(data) if small_gzip else None
    ends = ends if path.suffix == ".gz" else tail.endswith(b"\n")
    return InputFile(path, size, digest.hexdigest(), _mtime(st), uncompressed, str(path), ends)


KNOWN = """
select source_file, bytes, modified_at, file_sha256 from raw.loads
where status = 'loaded' and modified_at is not null
"""
LOADED = "select file_sha256, min(source_file) from raw.loads where status = 'loaded' group by 1"


def plan(
    con: duckdb.DuckDBPyConnection, candidates: list[Candidate], *, force: bool = False, verify: bool = False
) -> Plan:
    """Decide what to do with each candidate against the warehouse's ``raw.loads`` (:func:`plan_from`)."""
    return plan_from(con.execute(KNOWN).fetchall(), con.execute(LOADED).fetchall(), candidates, force, verify)


def plan_from(
    known_rows: list[tuple], loaded_rows: list[tuple], candidates: list[Candidate], force: bool, verify: bool
) -> Plan:
    """Decide what to do with each candidate, in order; the first of two byte-identical files is the one read.

    ``known_rows`` and ``loaded_rows`` are what :data:`KNOWN` and :data:`LOADED` select from ``raw.loads`` (of
    any engine). A file known by (path, size, mtime) from an earlier load is skipped without being read, unless
    ``verify`` (re-hash everything) or ``force`` (re-read everything). Other files are hashed: content
    already loaded under any path is skipped; ``force`` reads it again, but never two copies in one run.
    """
    known = {(path, size, mtime): sha for path, size, mtime, sha in known_rows}
    loaded: dict[str, str] = dict(loaded_rows)
    result = Plan()
    first: dict[str, str] = {}  # sha256 -> the file of this run that has it
    for candidate in candidates:
        path, text = candidate.path, text_of(candidate.path)
        if candidate.error:
            result.failed.append(Failed(path, candidate.error))
            continue
        try:
            st = os.stat(path)
            key = (text, st.st_size, _mtime(st))
            if key in known and not (force or verify):
                first.setdefault(known[key], text)
                result.skipped.append(Skipped(path, st.st_size, "already loaded"))
                continue
            info = describe(path)
        except OSError as error:
            result.failed.append(Failed(path, _why(error, path)))
            continue
        earlier = loaded.get(info.sha256)
        if earlier is not None and not force:
            note = "already loaded" if earlier == text else f"already loaded (same content as {earlier})"
            result.skipped.append(Skipped(path, info.bytes, note))
        elif info.sha256 in first:
            result.skipped.append(Skipped(path, info.bytes, f"same content as {first[info.sha256]}"))
        else:
            if verify and known.get((text, info.bytes, info.modified_at), info.sha256) != info.sha256:
                result.changed.append(path)
            if NOT_PLAIN.search(text):  # also every name that is not UTF-8: its text has \xNN escapes
                info = replace(info, scan_path=result.alias(path))
            result.load.append(info)
        first.setdefault(info.sha256, text)
    return result
