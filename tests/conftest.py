"""Shared fixtures: the report tests' warehouses are built once per session (see report_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report_fixtures import empty_warehouse, sample_warehouse


@pytest.fixture(scope="session")
def report_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return sample_warehouse(tmp_path_factory.mktemp("report_sample"))


@pytest.fixture(scope="session")
def report_empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return empty_warehouse(tmp_path_factory.mktemp("report_empty"))
