"""Issue 9, items 1-11: the hostile corpus (tests/hostile_corpus.py) through the real CLI on real DuckDB files.

Each item loads alone and must leave exactly what its files' expectations say; then the whole corpus plus a
generated archive of a few hundred files loads in one run (one bad file never takes the run down), the fast
and the forced slow path agree, and a re-run adds nothing. Items 12 and 13 are in tests/test_resilience.py.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from generator import generate
from loaders.find import text_of
from tests import hostile_corpus
from tests.corpus_kit import DROP, Item, text
from tests.raw_checks import check_item, cli, identity, leaks, plain_exit, query, snapshot, unique_ids

CONTENT_ITEMS = [1, 2, 3, 5, 6, 7, 9, 10, 11]  # items about what a file holds or is called


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Item]]:
    root = tmp_path_factory.mktemp("hostile").resolve()
    return root, {item.number: item for item in hostile_corpus.write(root)}


def _problems(db: Path, root: Path, items: list[Item], result, allowed: tuple[int, ...]) -> list[str]:
    problems = plain_exit(result, allowed)
    for item in items:
        problems += check_item(db, root, item)
    return problems + identity(db) + unique_ids(db)


@pytest.mark.parametrize("number", range(1, 12), ids=lambda number: f"item{number:02d}")
def test_each_item_alone(number: int, corpus: tuple[Path, dict[int, Item]], tmp_path: Path) -> None:
    root, items = corpus
    item = items[number]
    db = tmp_path / "wh.duckdb"
    result = cli(db, "load", str(root / item.folder))
    failing = any(expect.status == "failed" for expect in item.files.values())
    problems = _problems(db, root, [item], result, (1,) if failing else (0,))
    for name, expect in item.files.items():
        if expect.status == "skipped":
            shown = f"skipped: {text_of(root / item.folder / name)}: {expect.note}"
            problems += [] if shown in result.stderr else [f"the CLI does not say {shown!r}:\n{result.stderr}"]
    assert not problems, f"item {number}: {item.title}\n" + "\n".join(problems)


def test_a_symlink_loop_named_on_the_command_line_fails_alone(
    corpus: tuple[Path, dict[int, Item]], tmp_path: Path
) -> None:
    root, _ = corpus
    db = tmp_path / "wh.duckdb"
    folder = root / "item04"
    result = cli(db, "load", str(folder / "loop_a.json"), str(folder))  # named, and found in the folder again
    problems = plain_exit(result, (1,))
    assert not problems, problems
    assert "failed: " + str(folder / "loop_a.json") + ": symlink loop" in result.stderr
    assert "1 files loaded" in result.stdout and "4 failed" in result.stdout, result.stdout
    assert query(db, "select source_file, status from raw.loads order by 1") == [
        (str(folder / name), status) for name, status in (("dangling.json", "failed"), ("good.jsonl", "loaded"),
            ("loop_a.json", "failed"), ("loop_b.json", "failed"), ("self.ndjson", "failed"))]  # fmt: skip


def test_copies_are_recognised_by_content_and_never_stored_twice(
    corpus: tuple[Path, dict[int, Item]], tmp_path: Path
) -> None:
    """Item 8 across runs: a byte-identical copy under a new path is hashed and skipped as already loaded."""
    root, _ = corpus
    folder = tmp_path / "archive"
    shutil.copytree(root / "item08", folder, symlinks=True)
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(folder)).returncode == 0
    before = snapshot(db)
    shutil.copy(folder / "a.jsonl", folder / "renamed.jsonl")
    again = cli(db, "load", str(folder))
    assert again.returncode == 0 and "0 files loaded, 4 skipped (already loaded)" in again.stdout, again.stdout
    assert snapshot(db) == before
    assert query(db, "select count(*) from raw.rejected_events") == [(1,)]


def test_known_files_are_skipped_unread_and_verify_rehashes(tmp_path: Path) -> None:
    """Issue 10: a file known by (path, size, mtime) is not read again; --verify re-hashes and finds the change."""
    folder = tmp_path / "archive"
    path = folder / "a.jsonl"
    folder.mkdir()
    path.write_bytes(text("known-1").encode() + b"\n")
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(folder)).returncode == 0
    stat = path.stat()
    path.write_bytes(text("known-2").encode() + b"\n")  # same size, other content
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    plain = cli(db, "load", str(folder))
    assert "0 files loaded, 1 skipped (already loaded)" in plain.stdout, plain.stdout  # not read: not noticed
    verified = cli(db, "load", str(folder), "--verify")
    assert verified.returncode == 0 and "1 files loaded" in verified.stdout, verified.stdout + verified.stderr
    assert "changed:" in verified.stderr and text_of(path) in verified.stderr
    assert query(db, "select message_id from raw.events order by 1") == [("known-1",), ("known-2",)]
    assert query(db, "select count(*) from raw.loads where modified_at is null") == [(0,)]


def test_the_whole_corpus_and_an_archive_in_one_run(corpus: tuple[Path, dict[int, Item]], tmp_path: Path) -> None:
    """One bad file never takes the nightly load down: a few hundred files, the hostile ones among them."""
    root, items = corpus
    sample = tmp_path / "sample"
    manifest = generate(sample, events=4000, days=28, seed=11, bad_fraction=0.01)
    db = tmp_path / "wh.duckdb"
    result = cli(db, "load", str(root), str(sample / "segment-logs"))
    problems = _problems(db, root, list(items.values()), result, (1,))
    assert not problems, "\n".join(problems)
    (files, lines, accepted, duplicates), = query(db, """
        select count(*), sum(lines), sum(accepted), sum(duplicates) from raw.loads
        where starts_with(source_file, $1)""", [str(sample.resolve())])  # fmt: skip
    assert files == len(manifest["files"]) > 200
    assert (lines, accepted, duplicates) == (manifest["lines"], manifest["accepted"], manifest["duplicates"])
    before = snapshot(db)
    again = cli(db, "load", str(root), str(sample / "segment-logs"))
    assert not plain_exit(again, (1,)), again.stderr[-3000:]
    assert again.stdout.startswith("0 files loaded") and snapshot(db) == before  # a re-run adds nothing
    forced = cli(db, "load", str(root), str(sample / "segment-logs"), "--force")
    assert not plain_exit(forced, (1,)), forced.stderr[-3000:]
    after = snapshot(db)
    assert (after["events"], after["rejects"]) == (before["events"], before["rejects"])


def test_the_fast_and_the_slow_path_agree(corpus: tuple[Path, dict[int, Item]], tmp_path: Path) -> None:
    """The same lines give the same rows whichever path reads them (LOADERS_FORCE_SLOW_PATH=1 forces the slow)."""
    root, items = corpus
    folders = [str(root / items[number].folder) for number in CONTENT_ITEMS]
    fast, slow = tmp_path / "fast.duckdb", tmp_path / "slow.duckdb"
    results = [cli(fast, "load", *folders), cli(slow, "load", *folders, env={"LOADERS_FORCE_SLOW_PATH": "1"})]
    problems = [problem for result in results for problem in plain_exit(result, (0,))]
    problems += [f"forced slow path: {problem}" for number in CONTENT_ITEMS for problem in
                 check_item(slow, root, items[number])]  # fmt: skip
    assert not problems, "\n".join(problems)
    assert snapshot(fast) == snapshot(slow)
    assert not leaks(slow, [secret for item in items.values() for secret in item.secrets])


def test_a_blank_line_in_a_file_without_a_final_newline_keeps_physical_line_numbers(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py: one blank line and no final newline add up to the file's size, so the file
    passed as clean and its lines were numbered from DuckDB's rows (blank lines skipped); a small gzip file too."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"\n" + text("nl-1").encode())
    two = text("nl-2") + "\n\n" + text("nl-3")
    (folder / "b.json").write_bytes(two.encode())
    (folder / "c.json.gz").write_bytes(gzip.compress(two.replace("nl-", "gz-").encode(), mtime=0))  # the fuzz again
    db = tmp_path / "wh.duckdb"
    assert cli(db, "load", str(folder)).returncode == 0
    assert query(db, "select message_id, line_number from raw.events order by 1") == [
        ("gz-2", 1), ("gz-3", 3), ("nl-1", 2), ("nl-2", 1), ("nl-3", 3)]  # fmt: skip
    assert query(db, "select sum(lines), sum(records) from raw.loads") == [(5, 5)]


def test_whitespace_around_a_line_is_not_kept_by_either_path(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py: DuckDB's reader drops JSON whitespace around a line's value, Python kept it, so
    a reject's raw_line depended on the path (a file whose DuckDB rows stand vs. one read by Python)."""
    folder = tmp_path / "in"
    folder.mkdir()
    rejected = text("ws-2", event=DROP)
    (folder / "a.jsonl").write_bytes(f"{text('ws-1')}\n  {rejected}\t\n \t{text('ws-3')} \n".encode())
    snapshots = []
    for name, env in (("fast", {}), ("slow", {"LOADERS_FORCE_SLOW_PATH": "1"})):
        db = tmp_path / f"{name}.duckdb"
        assert cli(db, "load", str(folder), env=env).returncode == 0
        assert query(db, "select line_number, reason, raw_line from raw.rejected_events") == [
            (2, "missing_event", rejected)]  # fmt: skip
        assert query(db, "select message_id, line_number from raw.events order by 1") == [("ws-1", 1), ("ws-3", 3)]
        snapshots.append(snapshot(db))
    assert snapshots[0] == snapshots[1]
