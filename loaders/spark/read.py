"""The read stage on Spark: a chunk of files into one row per physical line, and the few lines Python reads.

Spark's text reader reads every file of a chunk in parallel (gzip by suffix, like DuckDB's reader); each file
is opened through a symlink named ``<file_idx>.json[.gz]`` in a private folder, so no name is ever taken as a
Hadoop glob or URI and every row says which file it came from. Line numbers are physical: rows keep their order
within a file split (``monotonically_increasing_id``), and splits are ordered by their start offset. Blank lines
are dropped, as the DuckDB loader drops them.

The JSON parsing itself is Spark's (loaders.spark.classify). Lines Spark must not judge alone go to the DuckDB
loader's own Python reading (loaders.lines.check_line), so both engines quarantine them alike: bytes that are
not UTF-8, lines over ``MAX_LINE_BYTES``, lines with more than ``MAX_DEPTH`` brackets (maybe too deep) and lines
with raw control characters. A file that may be one JSON document (an array, a batch body, a pretty-printed
file) is read by loaders.documents, as on DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from common.settings import MAX_DEPTH, MAX_LINE_BYTES
from loaders import jsontext
from loaders.documents import document_text, records
from loaders.find import InputFile
from loaders.lines import Bad, Good, check_line, check_text
from loaders.read import read_bytes
from loaders.spark.classify import CONSTANTS, NEEDLE, VALID

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: (file_idx, line_number, record_index, what Python made of it)
Item = tuple[int, int, int | None, Good | Bad]

LINES = f"""
select file_idx, line_number, raw, cast(body as string) as text,
       not is_valid_utf8(cast(body as string)) or octet_length(body) > {MAX_LINE_BYTES}
       or octet_length(body) - octet_length(replace(replace(cast(body as string), '{{', ''), '[', '')) > {MAX_DEPTH}
       or cast(body as string) rlike '[\\\\x00-\\\\x1f]' as python
from (
    select *, case when line_number = 1 and substring(stripped, 1, 3) = X'EFBBBF' then substring(stripped, 4)
                   else stripped end as body
    from (
        select *, case when substring(raw, -1, 1) = X'0D' then substring(raw, 1, octet_length(raw) - 1)
                       else raw end as stripped
        from (
            select cast(regexp_extract(file_name, '^([0-9]+)[.]', 1) as int) as file_idx,
                   row_number() over (partition by file_name order by block_start, position) as line_number,
                   raw
            from scanned
        )
    )
)
where not cast(stripped as string) rlike '^[ \\\\t\\\\r\\\\n]*$'
"""

#: Files that may be one JSON document (loaders.documents decides): a single line that is an array or names a
#: batch, or a first line that opens a value without being one (a pretty-printed document).
DOCUMENTS = """
select file_idx from (
    select file_idx, count(*) as lines, regexp_replace(min_by(text, line_number), '^[ \\t\\r]+', '') as first
    from lines group by file_idx
)
where (lines = 1 and (left(first, 1) = '[' or contains(first, '"batch"')))
   or (lines > 1 and left(first, 1) in ('{', '[')
       and not coalesce(get_json_object(concat('[', first, ',"x"]'), '$[1]') = 'x', false))
"""


class Aliases:
    """A private folder of symlinks ``<file_idx>.json[.gz]`` -> the real files, removed by :meth:`close`."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"loaders-spark-{os.getpid()}-"))

    def paths(self, files: dict[int, InputFile]) -> list[str]:
        found = []
        for idx, info in files.items():
            link = self.folder / f"{idx}{'.json.gz' if info.is_gzip else '.json'}"
            if not link.is_symlink():
                os.symlink(info.path, link)
            found.append(str(link))
        return found

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def scan(spark: SparkSession, paths: list[str]) -> DataFrame:
    """Every non-blank line of the files, numbered; ``python`` marks the lines Python must read."""
    spark.read.option("lineSep", "\n").format("text").load(paths).selectExpr(
        "_metadata.file_name as file_name", "_metadata.file_block_start as block_start",
        "monotonically_increasing_id() as position", "cast(value as binary) as raw",
    ).createOrReplaceTempView("scanned")  # fmt: skip
    return spark.sql(LINES)


def judge(text: str, valid: bool) -> Good | Bad:
    """A line Python reads strictly (loaders.spark.classify.STRICT): Spark-valid ones as the DuckDB loader reads
    the lines its reader parsed; the others are rejected as Spark's classification would, the secret masked."""
    if not valid and _only_constants(text):
        return check_text(text, strict=True)  # what the DuckDB loader says of a line its reader parsed
    if not valid:
        return Bad("invalid_json", "not valid JSON", jsontext.mask_secret(text))
    item = check_text(text, strict=True)
    if isinstance(item, Good) and _unpaired_surrogate(item.text):  # Spark takes them; DuckDB's JSON cast does not
        return Bad("invalid_json", "not valid JSON", item.text)
    return item


def _only_constants(text: str) -> bool:
    """Whether the text is JSON but for ``NaN`` / ``Infinity`` (Python's reader takes them unless told not to)."""
    if "NaN" not in text and "Infinity" not in text:
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _unpaired_surrogate(text: str) -> bool:
    """Whether a valid JSON text (at most MAX_DEPTH deep) escapes a UTF-16 surrogate that has no partner."""
    if "\\u" not in text:
        return False
    try:
        json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def python_lines(lines: DataFrame) -> list[Item]:
    """In one pass: the marked lines, read by the DuckDB loader's Python reading (quarantined or handed back as
    text), and the STRICT ones, judged by :func:`judge`."""
    found: list[Item] = []
    flagged = lines.where(f"python or {NEEDLE} or ({CONSTANTS} and not {VALID})").selectExpr(
        "file_idx", "line_number", "raw", "text", "python", f"not python and {VALID} as valid"
    )
    for row in flagged.toLocalIterator():
        item = check_line(bytes(row.raw), first=row.line_number == 1) if row.python else judge(row.text, row.valid)
        if isinstance(item, Good) and item.unread:  # kept whole: DuckDB's reader would judge the value, but
            item = item.unread  # Spark's validity differs on raw control characters (README "Running on Spark")
        if item is not None:
            found.append((row.file_idx, row.line_number, None, item))
    return found


def needs_strict(text: str) -> bool:
    """Python's twin of NEEDLE, for text Python handed back (a document's element, a line it read)."""
    return 'ey"' in text.lower() or "\\u" in text


def strict_items(spark: SparkSession, items: list[Item]) -> list[Item]:
    """Items Python handed back unchecked whose text needs STRICT: judged with Spark's validity (one small job)."""
    pending = [(i, n, r, item.text) for i, n, r, item in items if isinstance(item, Good) and not item.strict
               and needs_strict(item.text)]  # fmt: skip
    if not pending:
        return items
    rows = spark.createDataFrame(pending, "file_idx int, line_number bigint, record_index int, text string")
    valid = {(row[0], row[1], row[2]): row[3] for row in rows.selectExpr("*", f"{VALID} as valid").collect()}
    return [(i, n, r, judge(item.text, valid[(i, n, r)]) if (i, n, r) in valid else item) for i, n, r, item in items]


def documents(spark: SparkSession, files: dict[int, InputFile]) -> tuple[list[int], list[Item]]:
    """Files that are one JSON document, and their records (``lines`` is the temp view of :func:`scan`)."""
    taken, found = [], []
    for (idx,) in spark.sql(DOCUMENTS).collect():
        text = document_text(read_bytes(files[idx]))
        if text is not None:
            taken.append(idx)
            found += [(idx, line, index, item) for line, index, item in records(text)]
    return taken, found
