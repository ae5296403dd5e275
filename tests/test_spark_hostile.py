"""The hostile corpus (tests/hostile_corpus.py, items 1-11) through the Spark loader, in one run.

Each item must leave what its files' expectations say, as on DuckDB (tests/raw_checks.py reads Spark's tables
through tests.spark_loader_kit.py), and every raw table must equal the DuckDB loader's, row for row, except for the
differences listed in :data:`KNOWN_DIFFERENCES` (README "Running on Spark"): the test fails when one of them
disappears as well as when a new one appears, so the list stays true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import hostile_corpus
from tests.raw_checks import check_item, cli, identity, leaks, plain_exit, unique_ids
from tests.spark_loader_kit import differences, spark_cli, spark_tables

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark is not installed (requirements.txt pins it with the Spark target)")

ITEMS = range(1, 12)
#: (table, source file under the corpus root) -> why the engines differ there.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("events", f"item10/{name}.jsonl"): 'properties {"x":1e400}: DuckDB keeps the number as Infinity (not '
    'JSON), Spark\'s Jackson re-serialises it as the string "Infinity"; neither keeps 1e400'
    for name in ("fast", "slow")
}


def _sources(problems: list[str], root: Path) -> set[str]:
    found = set()
    for problem in problems:
        start = problem.find(str(root))
        found.add(problem[start:].split("'", 1)[0].removeprefix(f"{root}/") if start >= 0 else problem)
    return found


def test_the_hostile_corpus_on_spark(tmp_path: Path) -> None:
    root = (tmp_path / "corpus").resolve()
    items = [item for item in hostile_corpus.write(root) if item.number in ITEMS]
    folders = [str(root / item.folder) for item in items]
    duck = tmp_path / "duck.duckdb"
    assert not plain_exit(cli(duck, "load", *folders), (1,))
    result = spark_cli(tmp_path / "spark", *folders)
    assert not plain_exit(result, (1,)), result.stderr[-3000:]
    view = tmp_path / "spark.duckdb"
    spark_tables(tmp_path / "spark", view)
    problems = [problem for item in items for problem in check_item(view, root, item)]
    problems += identity(view) + unique_ids(view)
    problems += leaks(view, [secret for item in items for secret in item.secrets])
    assert not problems, "\n".join(problems)
    found = {}
    for table in ("events", "rejected_events", "loads"):
        exclude = ("error",) if table == "loads" else ()
        for source in _sources(differences(duck, view, table, exclude=exclude, limit=1000), root):
            found[(table, source)] = KNOWN_DIFFERENCES.get((table, source), "NEW")
    assert found == KNOWN_DIFFERENCES, "\n".join(f"{key}: {why}" for key, why in found.items())
