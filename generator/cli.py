"""Command line: ``python -m generator --help``."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from common.progress import Progress
from generator.archive import generate
from generator.timeline import CannotFit
from generator.writer import default_workers

EXIT_OK, EXIT_WRITE_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description=(
            "Write a realistic sample archive in Segment's S3 layout: segment-logs/<source>/<day-start-ms>/*.gz "
            "with every Rasa event type, deterministic per seed, plus manifest.json stating exactly what a "
            "correct loader accepts, drops as duplicates and rejects. Files are written as their 3-hour window "
            "is complete, so memory does not grow with the archive. Regenerating into the same folder replaces "
            "the previous archive. Exit status: 0 ok, 1 writing failed, 2 bad arguments (or an output folder "
            "holding archives this generator did not write)."
        ),
    )
    parser.add_argument("--events", type=int, required=True, metavar="N", help="distinct messages to write")
    parser.add_argument("--days", type=int, default=14, metavar="D", help="days spanned (default 14)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--bad-fraction", type=float, default=0.0, metavar="F",
        help="share of bad lines (default 0); also injects type violations and unknown events/properties",
    )  # fmt: skip
    parser.add_argument("--start", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day (default 2023-01-02)")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), metavar="W",
        help=f"processes that encode and gzip files (default: one per CPU, here {default_workers()}; 0 = none)",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bar = Progress(args.events, "generating", unit="events")
    started = time.perf_counter()
    try:
        manifest = generate(args.out, events=args.events, days=args.days, seed=args.seed,
                            bad_fraction=args.bad_fraction, start=args.start, progress=bar,
                            workers=max(args.workers, 0))  # fmt: skip
    except (ValueError, FileExistsError, CannotFit) as error:
        bar.close()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        bar.close()
        print(f"error: writing {args.out} failed: {error}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    bar.close()
    seconds = time.perf_counter() - started
    rejects = sum(manifest["rejects"].values())
    print(
        f"{len(manifest['files'])} files, {manifest['lines']:,} lines: {manifest['accepted']:,} messages, "
        f"{manifest['duplicates']:,} duplicates, {rejects:,} bad lines in {seconds:.1f}s "
        f"({manifest['accepted'] / max(seconds, 1e-9):,.0f} events/s) -> {args.out}"
    )
    return EXIT_OK
