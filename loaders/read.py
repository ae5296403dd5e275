"""The read stage: a chunk of files into ``classified`` (loaders.temp_tables), one row per record.

Fast path: DuckDB's JSON reader reads every file of a chunk in parallel and classifies each line in the
same pass (loaders.classify). A file is clean when every line parsed and its text adds up to its
uncompressed size (so it has no blank lines and line numbers are exact). Any other file takes the slow path:
Python splits the decompressed bytes into physical lines, quarantines what DuckDB cannot read (invalid UTF-8,
too large, too deep) and stages the rest for the same SQL. Rows the SQL flags (loaders.classify.needs_python)
are read strictly in Python (loaders.lines), whichever path they came by, so both paths agree.
"""

from __future__ import annotations

import gzip
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb

from common import settings
from loaders import jsontext
from loaders.classify import BAD_LINE, FAST_SOURCE, SLOW_SOURCE, classify_sql
from loaders.documents import document_text, records
from loaders.find import InputFile
from loaders.lines import Bad, Good, check_line, check_text
from loaders.temp_tables import insert_rows

UTF8_BOM = b"\xef\xbb\xbf"

#: Force every file through the slow path (the tests check that both paths agree).
FORCE_SLOW = "LOADERS_FORCE_SLOW_PATH"

#: (file_idx, line_number, record_index, what it is); line_number as ``classified`` numbers that file
#: (chunk-wide for a file whose DuckDB rows stand, physical once Python renumbered it: line_offsets says which)
Staged = tuple[int, int, int | None, Good | Bad]

#: A file of one line that may be a whole document (an array, a batch body): loaders.documents decides.
ONE_DOCUMENT = """(left(raw_line, 1) = '[' or contains(raw_line, '"batch"')
                   or coalesce(json_type(extra, '$.batch') = 'ARRAY', false))"""


def scan(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile]) -> None:
    """Read and classify all files of a chunk in one parallel scan; raises if a file is unreadable."""
    paths = [info.scan_path for info in files.values()]  # an alias when the name is not plain text (loaders.find)
    con.execute(classify_sql(FAST_SOURCE), {"paths": paths, "idx": list(files)})
    # The scan's rows are in file order: number them across the chunk, then remember where each file starts;
    # every file gets its row, also one DuckDB read no row of (Python reads it, numbering from 0).
    con.execute("update classified set line_number = rowid + 1")
    con.execute(
        """insert into line_offsets
           select file_idx, coalesce(min(line_number) - 1, 0)
           from (select unnest($idx) as file_idx) left join classified using (file_idx) group by 1""",
        {"idx": list(files)},
    )


@dataclass
class Scanned:
    """What the fast scan read of one file: its rows, where its numbering starts, its unreadable lines."""

    rows: int = 0
    offset: int = 0
    bad: list[int] = field(default_factory=list)  # chunk-wide line numbers, as in ``classified``
    good_bytes: int = 0  # the text of its rows that are not bad lines


def unclean_files(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile]) -> dict[int, Scanned]:
    """Files that need the slow path: unreadable or oversized lines, or bytes that don't add up."""
    rows = con.execute(
        f"""
        select file_idx, count(*), any_value(line_offset),
               coalesce(sum(line_bytes), 0) + count(*) as text_bytes,
               coalesce(list(line_number order by line_number) filter (where {BAD_LINE}), []),
               coalesce(sum(line_bytes) filter (where not coalesce({BAD_LINE}, false)), 0),
               count(*) = 1 and bool_or({ONE_DOCUMENT}) as document
        from classified inner join line_offsets using (file_idx) group by 1
        """
    ).fetchall()
    seen = {
        idx: (Scanned(count, offset, bad, good), size, document)
        for idx, count, offset, size, bad, good, document in rows
    }
    unclean = {}
    for idx, info in files.items():
        scanned, text_bytes, document = seen.get(idx, (Scanned(), 0, False))
        # The text DuckDB read plus one newline per line. A plain file whose last line lacks its newline takes
        # the slow path (one blank line would add up to the same size and shift the line numbers); for a gzip
        # file the last byte is not known cheaply, so that one case is read as if it had its final newline.
        sizes = {text_bytes} if info.ends_with_newline is not False else set()
        if info.is_gzip:
            sizes = {size % (1 << 32) for size in sizes}
        if scanned.bad or document or info.uncompressed_bytes not in sizes or os.environ.get(FORCE_SLOW):
            unclean[idx] = scanned
    return unclean


def read_bytes(info: InputFile) -> bytes:
    """The file's decompressed bytes (zlib releases the GIL: callers may read several files in threads)."""
    data = info.path.read_bytes()
    return gzip.decompress(data) if info.is_gzip else data


def _renumber(con: duckdb.DuckDBPyConnection, idx: int) -> None:
    """Drop DuckDB's rows of a file: Python gives it physical line numbers from now on."""
    con.execute("delete from classified where file_idx = $1", [idx])
    con.execute("update line_offsets set line_offset = 0 where file_idx = $1", [idx])


def _rows_stand(con: duckdb.DuckDBPyConnection, idx: int, lines: list[bytes], scanned: Scanned) -> list[int] | None:
    """The physical line of each DuckDB row of a file, when its rows stand; None when Python must read it all.

    DuckDB skips blank and whitespace-only lines and reads any other line as one row (NULL when it is
    unreadable), in order. So when it read one row per non-blank line, and the text of its readable rows adds
    up to those lines' text, its rows stand: they are renumbered to their physical lines (shifted past the
    blank lines) and only the bad lines are read in Python.
    """
    if os.environ.get(FORCE_SLOW):
        return None
    physical = [number for number, line in enumerate(lines, 1) if line.strip(b" \t\r")]
    if scanned.rows != len(physical):
        return None
    bad = {physical[number - scanned.offset - 1] for number in scanned.bad}
    good = (lines[number - 1] for number in physical if number not in bad)
    if (
        b"".join(lines[:1]).startswith(UTF8_BOM)
        or sum(len(line.strip(b" \t\r")) for line in good) != scanned.good_bytes
    ):
        return None
    shift = [number - row for row, number in enumerate(physical, 1)]
    starts = [
        row for row in range(1, len(shift) + 1) if shift[row - 1] and (row == 1 or shift[row - 1] != shift[row - 2])
    ]
    if starts:  # shift each row past the blank lines before it: one range per run of rows between blank lines
        ends = [start - 1 for start in starts[1:]] + [len(physical)]
        con.execute(
            """update classified set line_number = classified.line_number + shifts.shift
               from (select unnest($starts) as first_row, unnest($ends) as last_row, unnest($shifts) as shift) as shifts
               where classified.file_idx = $idx
                 and classified.line_number - $offset between shifts.first_row and shifts.last_row""",
            {
                "starts": starts,
                "ends": ends,
                "shifts": [shift[start - 1] for start in starts],
                "idx": idx,
                "offset": scanned.offset,
            },
        )
    return physical


def redo_file(con: duckdb.DuckDBPyConnection, idx: int, data: bytes, scanned: Scanned) -> list[Staged]:
    """One unclean file, exactly: its records with physical line numbers (to be staged by :func:`stage`).

    In the common case (DuckDB read one row per non-blank line) DuckDB's rows stand (:func:`_rows_stand`) and
    only its unreadable lines are read here; :func:`stage` deletes their rows from ``classified``.
    """
    document = document_text(data)
    if document is not None:
        _renumber(con, idx)
        return [(idx, line, index, item) for line, index, item in records(document)]
    lines = data.split(b"\n")  # not data[:-1].split(): a file of the 10M archive is 35 MB, copied once less
    if data.endswith(b"\n"):
        lines.pop()
    if lines == [b""]:
        lines = []
    physical = _rows_stand(con, idx, lines, scanned)
    if physical is not None:  # numbered as classified numbers this file: chunk-wide
        numbers = [physical[number - scanned.offset - 1] for number in scanned.bad]
        return [
            (idx, number + scanned.offset, None, check_line(lines[number - 1], first=number == 1)) for number in numbers
        ]
    _renumber(con, idx)
    found = []
    for number, line in enumerate(lines, 1):
        item = check_line(line, first=number == 1)
        if item is not None:
            found.append((idx, number, None, item))
    return found


def strict_rows(con: duckdb.DuckDBPyConnection) -> list[Staged]:
    """The rows the SQL flagged (``needs_python``), read strictly in Python; their SQL rows are deleted."""
    flagged = con.execute(
        "select file_idx, line_number, record_index, raw_line from classified where needs_python"
    ).fetchall()
    con.execute("delete from classified where needs_python")
    return [(idx, line, index, check_text(text, strict=True)) for idx, line, index, text in flagged]


def mask_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Mask the secret in the text of lines the SQL rejected (a key spelled ``writeKey``, in any case, ends in
    ``ey"`` unless one of its last letters is escaped, and then it contains ``\\u``)."""
    found = con.execute(
        """select rowid, raw_line from classified
           where reason is not null and (lower(raw_line) like '%ey"%' or contains(raw_line, '\\u'))"""
    ).fetchall()
    masked = [(jsontext.mask_secret(text), rowid) for rowid, text in found if jsontext.has_secret(text)]
    if masked:
        con.executemany("update classified set raw_line = ? where rowid = ?", masked)


def stage(con: duckdb.DuckDBPyConnection, items: list[Staged]) -> None:
    """Stage Python's reading: good lines into ``stage`` and classify them, rejects into ``pre_rejects``."""
    good = [
        (idx, line, index, item.kind, item.text, item.strict)
        for idx, line, index, item in items
        if isinstance(item, Good)
    ]
    bad = [
        (idx, line, index, item.reason, item.detail, item.raw_line, item.raw_bytes)
        for idx, line, index, item in items
        if isinstance(item, Bad)
    ]
    con.execute("delete from stage")
    if good:
        insert_rows(con, "stage", good)
        con.execute(classify_sql(SLOW_SOURCE))
    insert_rows(con, "pre_rejects", bad + _unread(con, items))


def _unread(con: duckdb.DuckDBPyConnection, items: list[Staged]) -> list[tuple]:
    """The whole-line rejects of staged values DuckDB could not read (``Good.unread``); their SQL rows go."""
    held = {(idx, line): item.unread for idx, line, index, item in items if isinstance(item, Good) and item.unread}
    if not held:
        return []
    keys = {"idx": [idx for idx, _ in held], "line": [line for _, line in held]}
    unread = con.execute(
        f"""delete from classified using (select unnest($idx) as file_idx, unnest($line) as line_number) as held
            where classified.file_idx = held.file_idx and classified.line_number = held.line_number
              and ({BAD_LINE}) returning classified.file_idx, classified.line_number""",
        keys,
    ).fetchall()
    return [(idx, line, None, held[idx, line].reason, held[idx, line].detail, held[idx, line].raw_line,
             held[idx, line].raw_bytes) for idx, line in unread]  # fmt: skip


def _slow_path(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile], failed: dict[int, str]) -> None:
    unclean = list(unclean_files(con, files).items())
    items: list[Staged] = []
    ahead: list[tuple[int, Scanned, Future[bytes]]] = []  # decompressing in the pool while a file is handled
    position = 0

    def fill() -> None:  # SLOW_PATH_AHEAD_FILES at most; more than one only within SLOW_PATH_AHEAD_BYTES
        nonlocal position
        while position < len(unclean) and len(ahead) < settings.SLOW_PATH_AHEAD_FILES:
            idx, scanned = unclean[position]
            budget = sum(files[queued].text_bytes for queued, _, _ in ahead) + files[idx].text_bytes
            if ahead and budget > settings.SLOW_PATH_AHEAD_BYTES:
                return
            ahead.append((idx, scanned, pool.submit(read_bytes, files[idx])))
            position += 1

    with ThreadPoolExecutor(max_workers=settings.SLOW_PATH_AHEAD_FILES) as pool:
        fill()
        while ahead:
            idx, scanned, data = ahead.pop(0)
            fill()
            try:
                items += redo_file(con, idx, data.result(), scanned)
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                failed[idx] = f"{type(error).__name__}: {error}"
                con.execute("delete from classified where file_idx = $1", [idx])
    kept = {idx for idx, _, _, _ in items}
    if kept:  # the unreadable rows DuckDB left of files whose other rows stand
        con.execute(f"delete from classified where file_idx in (select unnest($1)) and ({BAD_LINE})", [list(kept)])
    stage(con, items)


def read_chunk(con: duckdb.DuckDBPyConnection, files: dict[int, InputFile]) -> dict[int, str]:
    """Fill ``classified`` and ``pre_rejects`` for a chunk; returns the files that could not be read."""
    failed: dict[int, str] = {}
    try:
        scan(con, files)
    except duckdb.Error:  # a failed statement inserted nothing
        for idx, info in files.items():  # find the culprit(s) one file at a time
            try:
                scan(con, {idx: info})
            except duckdb.Error as error:
                failed[idx] = str(error).splitlines()[0]
    readable = {idx: info for idx, info in files.items() if idx not in failed}
    _slow_path(con, readable, failed)
    stage(con, strict_rows(con))
    mask_rejects(con)
    return failed
