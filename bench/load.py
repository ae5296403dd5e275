"""Loader figures measured in one run, each next to its target (README "Speed"). Figures, not a timed test.

    python bench/load.py                      # everything below (archives are generated once into bench/out)
    python bench/load.py --only throughput    # one section: throughput | memory | nightly | skip

- throughput: 1M events (clean, and with 1% bad lines): the loader (`python -m loaders load`, a fresh warehouse)
  against the engine (DuckDB's `read_json` with declared columns into a fresh table, same files) and the
  lossless floor (one INSERT of the parsed content as raw.events stores it: typed envelope, properties, context,
  integrations, ZSTD; no classification, dedup, line numbers or quarantine). Ratio = engine s / loader s.
- memory: the loader's peak RSS at 1M and at `--existing` events (default 10M over 60 days, less the last day).
- nightly: on that warehouse, load the held-back last day; against the same day into an empty warehouse.
- skip: `--files` small files (default 10,000) loaded once, then the re-run that skips them all.
- bound: the least a lossless design costs in DuckDB, on both throughput archives (bench/bound.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bound import bound  # noqa: E402
from common.settings import STORAGE_VERSION  # noqa: E402
from generator import generate  # noqa: E402

ENGINE_COLUMNS = (
    "{messageId: 'VARCHAR', event: 'VARCHAR', userId: 'VARCHAR', timestamp: 'TIMESTAMP', "
    "receivedAt: 'TIMESTAMP', type: 'VARCHAR', properties: 'JSON', context: 'JSON'}"
)
FLOOR_COLUMNS = (
    "{messageId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', userId: 'VARCHAR', anonymousId: 'VARCHAR', "
    "timestamp: 'TIMESTAMP', receivedAt: 'TIMESTAMP', sentAt: 'TIMESTAMP', originalTimestamp: 'TIMESTAMP', "
    "channel: 'VARCHAR', version: 'BIGINT', projectId: 'VARCHAR', integrations: 'JSON', properties: 'JSON', "
    "context: 'JSON'}"
)
FLOOR_TABLE = """
create table events (
    message_id varchar, message_type varchar, event varchar, user_id varchar, anonymous_id varchar,
    "timestamp" timestamp, received_at timestamp, sent_at timestamp, original_timestamp timestamp,
    channel varchar, version bigint, project_id varchar, integrations json using compression zstd,
    properties json using compression zstd, context json using compression zstd
)"""
TARGETS = {"clean": 0.8, "1% bad": 0.6}
RSS_TARGET_GB = 1.0
NIGHTLY_TARGET = 2.0
SKIP_TARGET_S = 2.0


def archive(out: Path, events: int, bad_fraction: float, days: int = 28) -> Path:
    folder = out / f"events{events}_days{days}_bad{bad_fraction}"
    if not (folder / "manifest.json").exists():
        print(
            f"generating {events:,} events over {days} days (bad fraction {bad_fraction}) in {folder} ...", flush=True
        )
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, events=events, days=days, seed=1, bad_fraction=bad_fraction)
    return folder / "segment-logs"


def gz_files(root: Path) -> list[str]:
    return sorted(str(path) for path in root.rglob("*.gz"))


def run_loader(paths: list[str], db: Path) -> tuple[float, float, dict]:
    """`python -m loaders load` in a child process: (seconds, peak RSS in GB, its summary counts with its CPU
    seconds, user + system, as "cpu")."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "loaders", "load", *paths, "--db", str(db)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"loader failed: {err[-2000:]}")
    with duckdb.connect(str(db), read_only=True) as con:
        counts = dict(zip(("events", "rejected"), con.execute(
            "select (select count(*) from raw.events), (select count(*) from raw.rejected_events)").fetchone(),
            strict=True))  # fmt: skip
    counts["summary"] = out.strip().splitlines()[-1] if out.strip() else ""
    counts["cpu"] = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024 / 1024, counts


def time_engine(files: list[str], work: Path) -> tuple[float, float]:
    """DuckDB's reader with declared columns into a fresh table: (seconds, CPU seconds of this process)."""
    with duckdb.connect(str(work / "engine.duckdb")) as con:
        started, cpu = time.perf_counter(), time.process_time()
        con.execute(
            f"create table events as select * from read_json($files, format = 'newline_delimited', "
            f"columns = {ENGINE_COLUMNS}, ignore_errors = true)",
            {"files": files},
        )
        return time.perf_counter() - started, time.process_time() - cpu


def time_floor(files: list[str], work: Path) -> tuple[float, float]:
    config = {"storage_compatibility_version": STORAGE_VERSION}
    with duckdb.connect(str(work / "floor.duckdb"), config=config) as con:
        con.execute(FLOOR_TABLE)
        started, cpu = time.perf_counter(), time.process_time()
        con.execute(
            f"insert into events select * from read_json($files, format = 'newline_delimited', "
            f"columns = {FLOOR_COLUMNS}, ignore_errors = true)",
            {"files": files},
        )
        return time.perf_counter() - started, time.process_time() - cpu


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def throughput(out: Path, events: int) -> None:
    print(f"\n== throughput ({events:,} events; ratio = engine s / loader s; load average "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())})")  # fmt: skip
    print(f"{'archive':<8} {'files':>6} {'loader s':>9} {'engine s':>9} {'floor s':>8} {'ratio':>6} "
          f"{'floor ratio':>11} {'loader/floor':>12} {'peak RSS':>9}  target")  # fmt: skip
    for name, bad in (("clean", 0.0), ("1% bad", 0.01)):
        files = gz_files(archive(out, events, bad))
        with tempfile.TemporaryDirectory(dir=out) as tmp:
            work = Path(tmp)
            engine_s, engine_cpu = time_engine(files, work)
            floor_s, floor_cpu = time_floor(files, work)
            loader_s, rss, counts = run_loader(files, work / "loader.duckdb")
        ratio, target = engine_s / loader_s, TARGETS[name]
        print(f"{name:<8} {len(files):>6} {loader_s:>9.2f} {engine_s:>9.2f} {floor_s:>8.2f} {ratio:>6.2f} "
              f"{engine_s / floor_s:>11.2f} {loader_s / floor_s:>12.2f} {rss:>8.2f}G  ratio >= {target}: "
              f"{verdict(ratio >= target)}; RSS <= {RSS_TARGET_GB} GB: {verdict(rss <= RSS_TARGET_GB)}",
              flush=True)  # fmt: skip
        # CPU seconds (user + system) do not depend on what else runs on the machine as much as wall seconds do.
        print(
            f"{'':<8} CPU s: loader {counts['cpu']:.1f}, engine {engine_cpu:.1f}, floor {floor_cpu:.1f}; "
            f"CPU ratio {engine_cpu / counts['cpu']:.2f} (floor {engine_cpu / floor_cpu:.2f})",
            flush=True,
        )


def nightly(out: Path, events: int, days: int) -> None:
    root = archive(out, events, 0.001, days)
    day_dirs = sorted({path.parent for path in root.rglob("*.gz")}, key=lambda path: int(path.name))
    last = day_dirs[-1].name
    history = [str(path) for path in day_dirs if path.name != last]
    new_day = [str(path) for path in day_dirs if path.name == last]
    print(f"\n== memory and nightly ({events:,} events over {days} days; the last day held back)")
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        work = Path(tmp)
        seconds, rss, counts = run_loader(history, work / "year.duckdb")
        print(f"history load: {seconds:.1f} s ({counts['cpu']:.0f} CPU s, load average "
              f"{' '.join(f'{load:.1f}' for load in os.getloadavg())}), {counts['events']:,} events, "
              f"peak RSS {rss:.2f} GB "
              f"(target <= {RSS_TARGET_GB} GB: {verdict(rss <= RSS_TARGET_GB)})", flush=True)  # fmt: skip
        empty_s, _, day_counts = run_loader(new_day, work / "empty.duckdb")
        full_s, day_rss, _ = run_loader(new_day, work / "year.duckdb")
        ratio = full_s / empty_s
        print(f"new day ({day_counts['events']:,} events): into an empty warehouse {empty_s:.2f} s, into the "
              f"{counts['events']:,}-event warehouse {full_s:.2f} s (peak RSS {day_rss:.2f} GB); ratio {ratio:.2f} "
              f"(target <= {NIGHTLY_TARGET}: {verdict(ratio <= NIGHTLY_TARGET)})", flush=True)  # fmt: skip


def skip(out: Path, files: int) -> None:
    folder = out / f"small_files{files}"
    if not folder.exists():
        print(f"writing {files:,} small files in {folder} ...", flush=True)
        for index in range(files):
            body = {"event": "Shell Started", "userId": "u", "messageId": f"small-{index}", "properties": {}}
            path = folder / f"{index // 1000:03d}" / f"{index:05d}.json.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip.compress(json.dumps(body).encode() + b"\n", mtime=0))
    print(f"\n== skip ({files:,} files already loaded)")
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        db = Path(tmp) / "small.duckdb"
        first_s, _, _ = run_loader([str(folder)], db)
        again_s, _, counts = run_loader([str(folder)], db)
    print(f"first load {first_s:.1f} s; re-run {again_s:.2f} s (target <= {SKIP_TARGET_S} s: "
          f"{verdict(again_s <= SKIP_TARGET_S)}): {counts['summary']}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events of the throughput archives")
    parser.add_argument("--existing", type=int, default=10_000_000, help="events of the nightly/memory archive")
    parser.add_argument("--days", type=int, default=60, help="days of the nightly/memory archive")
    parser.add_argument("--files", type=int, default=10_000, help="small files of the skip case")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each design in the bound section")
    parser.add_argument("--only", choices=("throughput", "memory", "nightly", "skip", "bound"), action="append")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="where archives are kept")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sections = set(args.only or ("throughput", "nightly", "skip", "bound"))
    if "throughput" in sections:
        throughput(args.out, args.events)
    if sections & {"memory", "nightly"}:
        nightly(args.out, args.existing, args.days)
    if "skip" in sections:
        skip(args.out, args.files)
    if "bound" in sections:
        for name, bad in (("clean", 0.0), ("1% bad", 0.01)):
            print(f"\n== bound, {name} ({args.events:,} events, {args.repeats} runs each; ratio = engine s / design s)")
            with tempfile.TemporaryDirectory(dir=args.out) as tmp:
                files = gz_files(archive(args.out, args.events, bad))
                columns = (ENGINE_COLUMNS, FLOOR_COLUMNS, FLOOR_TABLE)
                bound(files, Path(tmp), args.repeats, TARGETS[name], columns, bad_lines=bad > 0)


if __name__ == "__main__":
    main()
