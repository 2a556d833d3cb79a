"""Warehouses for the tab tests: the warehouse tests' small fixture, and the shipped data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jobs.dashboard import data
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import small_warehouse

__all__ = ["freshness", "seeded_duckdb", "small_warehouse"]


@pytest.fixture(scope="session")
def seeded_duckdb(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file seeded from the shipped data once per session (copy it to write)."""
    path = tmp_path_factory.mktemp("seeded") / "gbess.duckdb"
    settings = Settings(data_dir=data_dir, duckdb_path=path)
    with open_warehouse(settings) as warehouse:
        seed_if_needed(warehouse, settings)
    return path


@pytest.fixture(scope="module")
def freshness(small_warehouse: DuckDBWarehouse) -> dict[str, pd.Timestamp]:
    return data.freshness(small_warehouse)
