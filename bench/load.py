"""Loader throughput against DuckDB's own JSON reader, measured in one run.

    python bench/load.py                       # 1M events: a clean archive and one with 1% bad lines
    python bench/load.py --events 200000       # smaller
    python bench/load.py --files DIR [...]     # your own files instead of generated ones

For each archive it times (1) `python -m loaders load` into a fresh warehouse and (2) DuckDB's
`read_json` with declared envelope columns into a fresh table over the same files, and prints events/s
for both and the ratio loader/engine (= engine seconds / loader seconds). Figures, not a timed test.

It also times (3) the lossless floor: one INSERT of each line as read (ZSTD, as raw.events stores
``message``) plus its parsed envelope fields, ``properties`` and ``context`` into a fresh table, with no
classification, dedup, line numbers or quarantine. No loader that keeps the whole message can beat it, so
its ratio (floor/engine) bounds the loader's.
"""

from __future__ import annotations

import argparse
import glob
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common.settings import STORAGE_VERSION  # noqa: E402
from generator import generate  # noqa: E402
from loaders.classify import ENVELOPE  # noqa: E402
from loaders.files import expand  # noqa: E402
from loaders.load import load  # noqa: E402

ENGINE_COLUMNS = (
    "{messageId: 'VARCHAR', event: 'VARCHAR', userId: 'VARCHAR', timestamp: 'TIMESTAMP', "
    "receivedAt: 'TIMESTAMP', type: 'VARCHAR', properties: 'JSON', context: 'JSON'}"
)
FLOOR_TABLE = """
create table events (
    message json using compression zstd, message_id varchar, event varchar, user_id varchar,
    sent_timestamp varchar, received_at varchar, message_type varchar,
    properties json using compression zstd, context json using compression zstd
)"""
FLOOR_INSERT = f"""
insert into events
select json, env.*
from (
    select json, from_json(json, '{ENVELOPE}') as env
    from read_json_objects($files, format = 'newline_delimited', ignore_errors = true)
)"""
TARGETS = {"clean": 0.8, "1% bad": 0.5}


def archive(out: Path, events: int, bad_fraction: float) -> list[str]:
    folder = out / f"events{events}_bad{bad_fraction}"
    if not (folder / "manifest.json").exists():
        print(f"generating {events:,} events (bad fraction {bad_fraction}) in {folder} ...", flush=True)
        generate(folder, events=events, days=28, seed=1, bad_fraction=bad_fraction)
    return [str(path) for path in expand([str(folder / "segment-logs")])]


def time_engine(files: list[str], work: Path) -> tuple[float, int]:
    con = duckdb.connect(str(work / "engine.duckdb"))
    started = time.perf_counter()
    con.execute(
        f"create table events as select * from read_json($files, format = 'newline_delimited', "
        f"columns = {ENGINE_COLUMNS}, ignore_errors = true)",
        {"files": files},
    )
    seconds = time.perf_counter() - started
    rows = con.execute("select count(*) from events").fetchone()[0]
    con.close()
    return seconds, rows


def time_floor(files: list[str], work: Path) -> float:
    con = duckdb.connect(str(work / "floor.duckdb"), config={"storage_compatibility_version": STORAGE_VERSION})
    con.execute(FLOOR_TABLE)
    started = time.perf_counter()
    con.execute(FLOOR_INSERT, {"files": files})
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def time_loader(files: list[str], work: Path) -> tuple[float, int]:
    started = time.perf_counter()
    summary = load(files, work / "loader.duckdb")
    seconds = time.perf_counter() - started
    if summary.with_status("failed"):
        raise SystemExit(f"loader failed on {summary.with_status('failed')[0].path}")
    return seconds, summary.total("accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="where generated archives are kept")
    parser.add_argument("--files", nargs="+", help="load these files/folders/globs instead of generating")
    args = parser.parse_args()

    if args.files:
        scenarios = {"your files": [str(p) for p in expand([g for f in args.files for g in glob.glob(f) or [f]])]}
    else:
        scenarios = {"clean": archive(args.out, args.events, 0.0), "1% bad": archive(args.out, args.events, 0.01)}

    print(f"{'archive':<10} {'files':>6} {'loader s':>9} {'loader ev/s':>12} {'engine s':>9} {'engine ev/s':>12} "
          f"{'ratio':>6} {'floor s':>8} {'floor ratio':>11}  target")  # fmt: skip
    for name, files in scenarios.items():
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            engine_s, engine_rows = time_engine(files, work)
            floor_s = time_floor(files, work)
            loader_s, accepted = time_loader(files, work)
        ratio = engine_s / loader_s
        target = TARGETS.get(name)
        verdict = "" if target is None else f">= {target}: {'met' if ratio >= target else 'NOT met'}"
        print(f"{name:<10} {len(files):>6} {loader_s:>9.2f} {accepted / loader_s:>12,.0f} {engine_s:>9.2f} "
              f"{engine_rows / engine_s:>12,.0f} {ratio:>6.2f} {floor_s:>8.2f} {engine_s / floor_s:>11.2f}  {verdict}",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
