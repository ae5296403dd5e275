"""Command line: ``python -m loaders load --help`` (sample data: ``python -m generator --help``)."""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from common import settings
from common.progress import Progress
from loaders.find import InputError, text_of

if TYPE_CHECKING:
    from loaders.load import RunSummary

EXIT_OK, EXIT_FILES_FAILED, EXIT_USAGE, EXIT_IN_USE = 0, 1, 2, 3


def _timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 timestamp: {value!r}") from error
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(tz=None).utcfromtimestamp(parsed.timestamp())
    return parsed


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}")
    return seconds


def _shown(path: Path) -> str:
    """A path for one line of output: escaped bytes that are not UTF-8 and control characters."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda found: f"\\x{ord(found.group()):02x}", text_of(path))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Land Rasa telemetry (Segment archives and other captures) in the DuckDB warehouse (or on Spark).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser(
        "load",
        help="load NDJSON / JSON files into raw.events",
        description=(
            "Load files, folders (recursive) and globs of plain or gzipped NDJSON (.json, .jsonl, .ndjson, "
            "Segment's .gz), JSON arrays and Segment batch bodies into the warehouse "
            f"($TELEMETRY_DB, default {settings.DEFAULT_DB}). Each file is loaded in one transaction; "
            "files already loaded are skipped (known by path, size and mtime without being read, else by SHA-256), "
            "and so is a second file with the same bytes in one run; unreadable lines go to raw.rejected_events. "
            "Exit status: 0 ok, 1 a file failed, 2 bad arguments or an unusable warehouse file (or, with "
            "--engine spark, Spark could not start), 3 warehouse in use (after --wait; with --engine spark: "
            "the embedded metastore is held by another process)."
        ),
    )
    load.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where to land: the DuckDB warehouse file (default), or Parquet tables raw.* in Spark's catalog "
        '($TELEMETRY_SPARK_MASTER, default local[2]; $TELEMETRY_SPARK_WAREHOUSE; README "Running on Spark")',
    )
    load.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or glob")
    load.add_argument(
        "--received-at",
        type=_timestamp,
        metavar="ISO8601",
        help="event time for messages with neither timestamp nor receivedAt (default: the file's mtime)",
    )
    load.add_argument("--force", action="store_true", help="re-read files already loaded (adds nothing new)")
    load.add_argument("--db", type=Path, help="warehouse file (overrides $TELEMETRY_DB)")
    load.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="if another process holds the warehouse, wait up to SECONDS for it (default 0: exit 3 at once)",
    )
    load.add_argument(
        "--verify",
        action="store_true",
        help="re-hash every file, also those known by path, size and mtime (finds content changed in place)",
    )

    return parser


def _run_spark(args: argparse.Namespace) -> tuple[RunSummary, str] | int:
    """The Spark engine's run: (summary, where it landed), or an exit status."""
    from loaders.spark.load import load
    from loaders.spark.session import MetastoreInUse, SparkUnavailable, warehouse_location

    if args.db or args.wait:
        print("error: --db and --wait are for the DuckDB engine; Spark's catalog is set by environment "
              "(README \"Running on Spark\")", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    bar = Progress(0, "loading")
    try:
        summary = load(args.paths, received_at=args.received_at, force=args.force, progress=bar, verify=args.verify)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (SparkUnavailable, MetastoreInUse) as error:
        bar.close()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_IN_USE if isinstance(error, MetastoreInUse) else EXIT_USAGE
    bar.close()
    return summary, f"Spark catalog raw.* ({warehouse_location()})"


#: mallopt's parameter number for the mmap threshold (glibc malloc.h)
M_MMAP_THRESHOLD = -3


def _return_freed_memory() -> None:
    """Large allocations get their own mappings (settings.LOADER_MMAP_THRESHOLD); glibc only, else nothing."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt)
        return
    mallopt(M_MMAP_THRESHOLD, settings.LOADER_MMAP_THRESHOLD)


def _run_load(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        ran = _run_spark(args)
        if isinstance(ran, int):
            return ran
        return _report(*ran)
    from loaders.load import load
    from loaders.schema import OutdatedWarehouse
    from loaders.warehouse import WarehouseInUse, WarehouseUnusable

    _return_freed_memory()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        db_path = args.db.resolve() if args.db else settings.warehouse_path()
    except (OSError, RuntimeError) as error:  # Python 3.11 raises RuntimeError for a symlink loop
        named = args.db or os.environ.get("TELEMETRY_DB") or settings.DEFAULT_DB
        say(f"error: warehouse path {text_of(named)}: {error}")
        return EXIT_USAGE
    bar = Progress(0, "loading")

    try:
        summary = load(args.paths, db_path, received_at=args.received_at, force=args.force, progress=bar,
                       verify=args.verify, wait=args.wait, on_wait=say)  # fmt: skip
    except InputError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except WarehouseInUse as error:
        bar.close()
        say(f"error: {error}")
        return EXIT_IN_USE
    except (OutdatedWarehouse, WarehouseUnusable) as error:
        bar.close()
        say(f"error: {error}" if isinstance(error, WarehouseUnusable) else f"error: warehouse {db_path}: {error}")
        return EXIT_USAGE
    bar.close()
    return _report(summary, str(db_path))


def _report(summary: RunSummary, destination: str) -> int:
    """The run's stderr lines (changed, failed, skipped copies) and its one-line summary; the exit status."""

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    for path in summary.changed:
        say(f"changed: {_shown(path)}: its content differs from when it was loaded (same size and mtime); loaded again")
    failed = summary.with_status("failed")
    for result in failed:
        say(f"failed: {_shown(result.path)}: {result.error}")
    loaded = summary.with_status("loaded")
    skipped = summary.with_status("skipped")
    copies = [result for result in skipped if not (result.note or "").startswith("already loaded")]
    for result in copies:
        say(f"skipped: {_shown(result.path)}: {result.note}")
    why = "already loaded"
    if copies:
        why = f"{len(copies)} same content as another file of this run"
        if len(skipped) > len(copies):
            why = f"{len(skipped) - len(copies)} already loaded, {why}"
    line = (
        f"{len(loaded)} files loaded, {len(skipped)} skipped ({why}), {len(failed)} failed; "
        f"{summary.total('accepted'):,} accepted, {summary.total('duplicates'):,} duplicates, "
        f"{summary.total('rejected'):,} rejected in {summary.seconds:.1f}s -> {destination}"
    )
    if failed:
        line += f" [FAILED: {', '.join(_shown(Path(result.path.name)) for result in failed)}]"
    print(line)
    return EXIT_FILES_FAILED if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _run_load(args)
