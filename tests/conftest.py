"""Shared fixtures and settings.

- The report tests' warehouses are built once per session (see report_fixtures.py).
- Hypothesis profiles for the property-based tests (tests/test_fuzz.py).

``ci`` (the default, what ``make test`` runs): 300 in-process examples plus a CLI subset (12), as issue 9 asks
(about 4-5 CPU-minutes), without shrinking so a failure costs no more than the run (the failure prints a blob:
``@reproduce_failure`` replays it, and a local run with ``--hypothesis-profile=dev`` shrinks it from the example
database); ``nightly`` for a long fuzz, what ``make fuzz`` runs (5,000 + 200 examples, shrinking).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.report_fixtures import empty_warehouse, sample_warehouse


@pytest.fixture(scope="session")
def report_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return sample_warehouse(tmp_path_factory.mktemp("report_sample"))


@pytest.fixture(scope="session")
def report_empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_warehouse(tmp_path_factory.mktemp("report_empty"))


_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
_COMMON = {"deadline": None, "print_blob": True, "suppress_health_check": _QUIET}
settings.register_profile("ci", max_examples=300, phases=[Phase.explicit, Phase.reuse, Phase.generate], **_COMMON)
settings.register_profile("nightly", max_examples=5000, **_COMMON)
settings.register_profile("dev", max_examples=30, **_COMMON)
settings.load_profile("ci")  # --hypothesis-profile=NAME (read after this file) overrides it
