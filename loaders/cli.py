"""Command line: ``python -m loaders load --help`` (sample data: ``python -m generator --help``)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from common import settings
from common.progress import Progress
from loaders.find import InputError, expand

EXIT_OK, EXIT_FILES_FAILED, EXIT_USAGE, EXIT_IN_USE = 0, 1, 2, 3


def _timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 timestamp: {value!r}") from error
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(tz=None).utcfromtimestamp(parsed.timestamp())
    return parsed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Land Rasa telemetry (Segment archives and other captures) in the DuckDB warehouse.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser(
        "load",
        help="load NDJSON / JSON files into raw.events",
        description=(
            "Load files, folders (recursive) and globs of plain or gzipped NDJSON (.json, .jsonl, .ndjson, "
            "Segment's .gz), JSON arrays and Segment batch bodies into the warehouse "
            f"($TELEMETRY_DB, default {settings.DEFAULT_DB}). Each file is loaded in one transaction; "
            "files already loaded (same SHA-256) are skipped; unreadable lines go to raw.rejected_events. "
            "Exit status: 0 ok, 1 a file failed, 2 bad arguments, 3 warehouse in use."
        ),
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

    return parser


def _run_load(args: argparse.Namespace) -> int:
    from loaders.load import load
    from loaders.schema import OutdatedWarehouse
    from loaders.warehouse import WarehouseInUse

    db_path = args.db.resolve() if args.db else settings.warehouse_path()
    try:
        files = expand(args.paths)  # walked once: the progress total and the load use the same list
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    bar = Progress(sum(path.stat().st_size for path in files if path.is_file()), "loading")
    try:
        summary = load([str(path) for path in files], db_path, received_at=args.received_at, force=args.force,
                       progress=bar)  # fmt: skip
    except WarehouseInUse as error:
        bar.close()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_IN_USE
    except OutdatedWarehouse as error:
        bar.close()
        print(f"error: warehouse {db_path}: {error}", file=sys.stderr)
        return EXIT_USAGE
    bar.close()
    failed = summary.with_status("failed")
    for result in failed:
        print(f"failed: {result.path}: {result.error}", file=sys.stderr)
    loaded = summary.with_status("loaded")
    skipped = summary.with_status("skipped")
    line = (
        f"{len(loaded)} files loaded, {len(skipped)} skipped (already loaded), {len(failed)} failed; "
        f"{summary.total('accepted'):,} accepted, {summary.total('duplicates'):,} duplicates, "
        f"{summary.total('rejected'):,} rejected in {summary.seconds:.1f}s -> {db_path}"
    )
    if failed:
        line += f" [FAILED: {', '.join(result.path.name for result in failed)}]"
    print(line)
    return EXIT_FILES_FAILED if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _run_load(args)
