"""Benchmark the whole pipeline: load, ``dbt build``, GX, then one more day the way the nightly job runs it.

    .venv/bin/python bench/pipeline.py                               # 10M events over 60 days (the targets)
    nice .venv/bin/python bench/pipeline.py --events 1000000 --days 60
    .venv/bin/python bench/pipeline.py --archive DIR                 # an archive generated before (read only)

Generates a Segment archive with the project's generator (or reuses one made with the same arguments),
holds back its last day, and in a fresh warehouse times, each as its own process: the load of the other
days, ``dbt build``, the GX run; then the nightly step: the load of the held-back day, ``dbt build`` (the
incremental models pick up the new load only) and GX. It prints wall seconds and peak RSS per step, the
nightly / full ratio, and each figure against its target. DuckDB's resources come from the same settings
as dbt's (``TELEMETRY_DB_MEMORY_LIMIT``, ``TELEMETRY_DB_THREADS``, ``TELEMETRY_DB_TEMP_DIR``). Figures, not
a timed test: the machine's load average is printed with them. Exit status 0, or 1 if a step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import settings  # noqa: E402

#: the sample generator's command
GENERATOR = ("-m", "generator")
DBT = Path(sys.executable).parent / "dbt"
TARGET_EVENTS = 10_000_000
BUILD_TARGET_S, BUILD_TARGET_RSS_MB, NIGHTLY_TARGET_RATIO = 180, 3 * 1024, 0.15
GX_FULL_TARGET_S, GX_NIGHTLY_TARGET_S = 60, 10


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: float
    exit_code: int


def run(name: str, command: list[str], env: dict[str, str], ok_codes: tuple[int, ...] = (0,)) -> Step:
    """Run ``command`` as a child; its wall time and peak RSS (from wait4, so this child's own)."""
    print(f"-- {name}: {' '.join(command[:4])} ...", flush=True)
    os.sync()  # the previous step's writeback (GBs after a full load or build) is not this step's cost
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    tail = list(child.stdout)[-3:]
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    step = Step(name, time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode)
    print("   " + "   ".join(line.strip()[-150:] + "\n" for line in tail), end="", flush=True)
    if step.exit_code not in ok_codes:
        raise SystemExit(f"{name} failed with exit status {step.exit_code}")
    return step


def archive(out: Path, events: int, days: int, seed: int, bad_fraction: float) -> Path:
    folder = out / f"pipeline_{events}_{days}"
    manifest = folder / "manifest.json"
    wanted = {"events": events, "days": days, "seed": seed, "bad_fraction": bad_fraction}
    if manifest.exists() and all(json.loads(manifest.read_text()).get(k) == v for k, v in wanted.items()):
        print(f"reusing the archive in {folder}")
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    args = ["--events", str(events), "--days", str(days), "--seed", str(seed), "--bad-fraction", str(bad_fraction)]
    run("generate", [sys.executable, *GENERATOR, *args, "--out", str(folder)], dict(os.environ))
    return folder


def pipeline_steps(days: list[Path], work: Path, env: dict[str, str], label: str) -> list[Step]:
    """Load ``days``, dbt build, GX; GX exit 1 (an expectation failed on the sample's bad data) is a result."""
    db = env["TELEMETRY_DB"]
    dbt_paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    steps = [
        run(f"{label} load", [sys.executable, "-m", "loaders", "load", *map(str, days), "--db", db], env),
        run(f"{label} dbt build", [str(DBT), "build", *dbt_paths], env),
    ]
    # each node's time, for a look at where the build went
    shutil.copy(work / "target" / "run_results.json", work / f"run_results_{label}.json")
    steps.append(run(f"{label} GX", [sys.executable, "-m", "expectations", "--out", str(work / "gx")], env, (0, 1)))
    return steps


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(full: list[Step], nightly: list[Step], events: int) -> bool:
    at_target = events == TARGET_EVENTS
    scale = "" if at_target else f" (the target is for {TARGET_EVENTS:,} events; this run has {events:,})"
    print(f"\n{'step':<20} {'wall s':>8} {'peak RSS MB':>12}  target")
    build, gx_full, gx_nightly = full[1], full[2], nightly[2]
    build_ok = build.seconds <= BUILD_TARGET_S and build.peak_mb <= BUILD_TARGET_RSS_MB
    gx_ok = gx_full.seconds <= GX_FULL_TARGET_S and gx_nightly.seconds <= GX_NIGHTLY_TARGET_S
    targets = {
        "full dbt build": f"<= {BUILD_TARGET_S} s and <= {BUILD_TARGET_RSS_MB} MB: {verdict(build_ok)}{scale}",
        "full GX": f"<= {GX_FULL_TARGET_S} s: {verdict(gx_full.seconds <= GX_FULL_TARGET_S)}{scale}",
        "nightly GX": f"<= {GX_NIGHTLY_TARGET_S} s: {verdict(gx_nightly.seconds <= GX_NIGHTLY_TARGET_S)}{scale}",
    }
    for step in [*full, *nightly]:
        print(f"{step.name:<20} {step.seconds:>8.1f} {step.peak_mb:>12,.0f}  {targets.get(step.name, '')}")
    full_s, nightly_s = sum(s.seconds for s in full), sum(s.seconds for s in nightly)
    ratio = nightly_s / full_s
    without_gx = sum(s.seconds for s in nightly[:2]) / sum(s.seconds for s in full[:2])
    print(f"{'full pipeline':<20} {full_s:>8.1f} {max(s.peak_mb for s in full):>12,.0f}")
    print(f"{'nightly day':<20} {nightly_s:>8.1f} {max(s.peak_mb for s in nightly):>12,.0f}")
    ratio_verdict = verdict(ratio <= NIGHTLY_TARGET_RATIO)
    print(f"nightly / full: {ratio:.3f} (target <= {NIGHTLY_TARGET_RATIO}: {ratio_verdict}{scale})")
    print(f"nightly / full without GX (load + dbt build): {without_gx:.3f}")
    return build_ok and gx_ok and ratio <= NIGHTLY_TARGET_RATIO


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=TARGET_EVENTS, help="events to generate (default 10M)")
    parser.add_argument("--days", type=int, default=60, help="days they span (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="archives and warehouses")
    parser.add_argument("--archive", type=Path, help="use this generated archive (read only) instead of generating")
    args = parser.parse_args()
    if args.days < 2:
        parser.error("--days must be at least 2 (the last day is held back for the nightly step)")
    if args.archive:
        manifest = json.loads((args.archive / "manifest.json").read_text())
        args.events, args.days = manifest["events"], manifest["days"]
        folder = args.archive
    else:
        folder = archive(args.out, args.events, args.days, args.seed, args.bad_fraction)
    days = sorted(path for path in (folder / "segment-logs").glob("*/*") if path.is_dir())
    work = args.out / f"pipeline_{args.events}_{args.days}" / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    env = {
        **os.environ,
        "TELEMETRY_DB": str(db),
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    config = settings.duckdb_settings(db)
    loader_limit = settings.duckdb_settings(db, settings.LOADER_MEMORY_LIMIT)["memory_limit"]
    print(
        f"{args.events:,} events over {len(days)} days; full run on {len(days) - 1} days, nightly on the last; "
        f"DuckDB memory_limit {config['memory_limit']} (the loader: {loader_limit}), threads {config['threads']}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    full = pipeline_steps(days[:-1], work, env, "full")
    nightly = pipeline_steps(days[-1:], work, env, "nightly")
    met = report(full, nightly, args.events)
    print(
        f"{'all targets met' if met else 'targets not all met'}; load average {os.getloadavg()[0]:.1f} at the end; "
        f"warehouse {db} ({db.stat().st_size / 2**20:,.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
