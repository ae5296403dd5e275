"""``python -m common generate [--check]``: write (or check) every generated file.

Exit status: 0 written / up to date, 1 ``--check`` found stale files (listed), 2 could not run
(e.g. a malformed seed or a file without its generated-block markers).
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m common",
        description="Tools shared by the whole project.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser(
        "generate",
        help="write every file generated from the spec seed, the JSON type map and the reject reasons",
        description=(
            "Write the staging models (models/staging/stg_telemetry__*.sql), their yml, macros/json_types.sql, "
            "the GX suites (expectations/suites/*.json) and the reject-reason blocks of "
            "models/staging/_staging__sources.yml and README.md from seeds/telemetry_event_properties.csv, "
            "common/codegen/envelope.py, common/json_types.py and common/reasons.py. "
            "Exit status: 0 done or up to date, 1 --check found stale files, 2 could not run."
        ),
    )
    generate.add_argument("--check", action="store_true", help="write nothing; exit 1 and list the stale files")
    return parser


def generate(check: bool) -> int:
    from common import codegen

    found = codegen.outputs()
    if check:
        problems = codegen.drift(found)
        for problem in problems:
            print(f"stale: {problem}")
        if problems:
            print(f"{len(problems)} of {len(found)} generated files are stale: run `python -m common generate`")
            return EXIT_DRIFT
        print(f"all {len(found)} generated files are up to date")
        return EXIT_OK
    written, removed = codegen.write(found)
    for path in written:
        print(f"wrote {path}")
    for path in removed:
        print(f"removed {path}")
    print(f"{len(found)} generated files: {len(written)} written, {len(removed)} removed, "
          f"{len(found) - len(written)} unchanged")  # fmt: skip
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return generate(args.check)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
