"""Issue 9 items 12 and 13, crashes and concurrency, with real processes on real DuckDB files.

- a warehouse another process is still creating is waited for (item 12); loaders started at once on a new file
  each load or exit 3 with one plain line;
- ``--wait`` waits for a held warehouse and then refuses plainly; dbt waits for a running load (item 13);
- SIGKILL at random moments of a multi-chunk load, then a re-run, equals an uninterrupted load;
- four loaders and ``dbt build`` at once on a new warehouse end equal to a sequential load.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from generator import generate
from tests import hostile_corpus
from tests.raw_checks import REPO, cli, identity, plain_exit, query, snapshot, unique_ids

LOADER = [sys.executable, "-m", "loaders", "load"]
DBT = Path(sys.executable).parent / "dbt"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus").resolve()
    hostile_corpus.write(root)
    return root


def start(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*LOADER, *args, "--db", str(db)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})  # fmt: skip


def hold(db: Path, seconds: float) -> subprocess.Popen:
    """Another process (an analyst's shell, a running load) holding the warehouse for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); "
                               f"time.sleep({seconds})"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def refused_plainly(stderr: str) -> bool:
    """Exit 3's message: one plain line naming the warehouse (after at most one line saying it waited)."""
    lines = stderr.strip().splitlines()
    return "Traceback" not in stderr and len(lines) in (1, 2) and lines[-1].startswith("error: warehouse ")


def test_a_warehouse_still_being_created_is_waited_for(corpus: Path, tmp_path: Path) -> None:
    """Item 12: the file exists but its creator has not written DuckDB's header yet (here: for 1.5 s)."""
    db = tmp_path / "wh.duckdb"
    db.write_bytes(b"")
    loader = start(db, str(corpus / "item12" / "part1.jsonl"))
    time.sleep(1.5)
    finished = tmp_path / "finished.duckdb"
    duckdb.connect(str(finished)).close()
    os.replace(finished, db)  # the other process has finished creating it
    out, err = loader.communicate(timeout=120)
    assert loader.returncode == 0 and "Traceback" not in err, err
    assert "1 files loaded" in out and query(db, "select count(*) from raw.events") == [(3,)]


def test_a_warehouse_whose_creation_was_interrupted_is_refused_plainly(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    db.write_bytes(b"")
    result = cli(db, "load", str(corpus / "item12" / "part1.jsonl"))
    assert result.returncode == 3 and refused_plainly(result.stderr), result.stderr
    assert "being created" in result.stderr and db.read_bytes() == b""


def test_loaders_started_at_once_on_a_new_warehouse(corpus: Path, tmp_path: Path) -> None:
    """Item 12: each loads, or exits 3 with one plain line; re-running the refused ones ends as a sequential load."""
    parts = [[str(corpus / "item12" / f"part{n}.jsonl"), str(corpus / "item12" / "shared.jsonl")] for n in range(1, 5)]
    reference = tmp_path / "sequential.duckdb"
    for paths in parts:
        assert cli(reference, "load", *paths).returncode == 0
    for round_number in range(3):
        db = tmp_path / f"round{round_number}" / "wh.duckdb"
        loaders = [start(db, *paths) for paths in parts]
        refused = []
        for paths, loader in zip(parts, loaders, strict=True):
            _, err = loader.communicate(timeout=120)
            assert loader.returncode in (0, 3) and (loader.returncode == 0 or refused_plainly(err)), err
            refused += [paths] if loader.returncode == 3 else []
        for paths in refused:
            assert cli(db, "load", *paths).returncode == 0
        assert snapshot(db) == snapshot(reference)
        assert not list(db.parent.glob(".*.creating*"))


def test_wait_waits_for_a_held_warehouse(corpus: Path, tmp_path: Path) -> None:
    """Item 13: --wait SECONDS waits for the lock, saying so on stderr."""
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(corpus / "item13")).returncode == 0
    holder = hold(db, 3)
    try:
        started = time.monotonic()
        result = cli(db, "load", str(corpus / "item12" / "part1.jsonl"), "--wait", "60")
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stderr
    assert "in use by another process" in result.stderr and "waiting up to 60s" in result.stderr
    assert waited > 1.5 and "1 files loaded" in result.stdout


def test_wait_then_refuses_plainly(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(corpus / "item13")).returncode == 0
    holder = hold(db, 60)
    try:
        before = db.read_bytes()
        started = time.monotonic()
        result = cli(db, "load", str(corpus / "item12" / "part1.jsonl"), "--wait", "1.5")
        waited = time.monotonic() - started
        assert db.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3 and refused_plainly(result.stderr), result.stderr
    assert "waiting up to 1.5s" in result.stderr and "after waiting" in result.stderr and 1.5 <= waited < 30


def test_dbt_waits_for_a_running_load(corpus: Path, tmp_path: Path) -> None:
    """Item 13: profiles.yml's connection retries make dbt wait for the file instead of failing at once."""
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(corpus / "item13")).returncode == 0
    holder = hold(db, 4)
    try:
        started = time.monotonic()
        result = subprocess.run([str(DBT), "debug", "--connection", "--log-path", str(tmp_path / "logs")], cwd=REPO,
                                capture_output=True, text=True, timeout=300, env={**os.environ, "TELEMETRY_DB": str(db),
                                "DBT_PROFILES_DIR": str(REPO), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})  # fmt: skip
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stdout[-3000:]
    assert waited > 3


def _archive(tmp_path: Path, corpus: Path, days: int, events: int) -> list[str]:
    generate(tmp_path / "archive", events=events, days=days, seed=5, bad_fraction=0.02)
    return [str(tmp_path / "archive" / "segment-logs"), str(corpus / "item05"), str(corpus / "item08")]


def test_sigkill_at_random_moments_then_a_rerun_equals_an_uninterrupted_load(corpus: Path, tmp_path: Path) -> None:
    """Kill -9 a real multi-chunk load at >= 10 random moments, re-run to the end: same rows as one clean run."""
    paths = _archive(tmp_path, corpus, days=6, events=16_000)
    env = {"TELEMETRY_LOAD_CHUNK_MB": "0.1"}  # one chunk per archive file: ~50 chunks, each its own commit
    reference = tmp_path / "reference.duckdb"
    started = time.monotonic()
    assert cli(reference, "load", *paths, env=env).returncode == 0
    whole = time.monotonic() - started
    files = query(reference, "select count(*) from raw.loads")[0][0]
    seed = int(os.environ.get("HOSTILE_KILL_SEED", random.randrange(10**6)))
    rng, db, kills, moments = random.Random(seed), tmp_path / "killed.duckdb", 0, []
    while kills < 10:
        loaded = query(db, "select count(*) from raw.loads")[0][0] if db.exists() else 0
        early = rng.random() < 0.2  # now and then during start-up, connecting and planning
        moment = rng.uniform(0.05, 0.6) if early else 0.5 + rng.uniform(0, whole * (files - loaded) / files)
        loader = start(db, *paths, env=env)
        time.sleep(moment)
        if loader.poll() is None:
            loader.send_signal(signal.SIGKILL)
            kills += 1
            moments.append(f"{moment:.2f}s@{loaded}")
        loader.communicate()
        assert len(moments) < 40, f"seed {seed}: the load keeps finishing before the kill ({moments})"
    final = cli(db, "load", *paths, env=env)
    assert final.returncode == 0 and not plain_exit(final, (0,)), final.stderr
    problems = identity(db) + unique_ids(db)
    assert not problems, problems
    assert snapshot(db) == snapshot(reference), f"seed {seed}, kills at {moments}"


def test_four_loaders_and_dbt_build_at_once_end_as_a_sequential_load(corpus: Path, tmp_path: Path) -> None:
    """Each loader succeeds, waits, or exits 3 with one plain line; dbt waits its turn; nothing is lost or doubled."""
    generate(tmp_path / "archive", events=3000, days=4, seed=9, bad_fraction=0.01)
    days = sorted(path for path in (tmp_path / "archive" / "segment-logs").glob("*/*") if path.is_dir())
    shared = str(corpus / "item12" / "shared.jsonl")
    parts = [[str(day), shared] for day in days]
    assert len(parts) == 4
    reference = tmp_path / "sequential.duckdb"
    for paths in parts:
        assert cli(reference, "load", *paths).returncode == 0
    db = tmp_path / "wh.duckdb"
    loaders = [start(db, *paths, *(["--wait", "600"] if n < 3 else [])) for n, paths in enumerate(parts)]
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    dbt = subprocess.Popen([str(DBT), "build", "--target-path", str(tmp_path / "target"), "--log-path",
                            str(tmp_path / "logs")], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env={**os.environ, "TELEMETRY_DB": str(db), "DBT_PROFILES_DIR": str(REPO),
                                           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})  # fmt: skip
    outcomes = [loader.communicate(timeout=900) for loader in loaders]
    dbt_out, _ = dbt.communicate(timeout=900)
    for n, (loader, (_, err)) in enumerate(zip(loaders, outcomes, strict=True)):
        allowed = (0,) if n < 3 else (0, 3)
        assert loader.returncode in allowed and "Traceback" not in err, err
        if loader.returncode == 3:
            assert refused_plainly(err), err
            assert cli(db, "load", *parts[n]).returncode == 0  # the nightly retry
    assert dbt.returncode == 0, dbt_out[-4000:]
    assert snapshot(db) == snapshot(reference)
    shutil.rmtree(tmp_path / "target", ignore_errors=True)
