"""The warehouse tests' small hand-checkable DuckDB warehouse, shared with the tab tests."""

from __future__ import annotations

import pandas as pd
import pytest

from jobs.dashboard import data
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import small_warehouse

__all__ = ["freshness", "small_warehouse"]


@pytest.fixture(scope="module")
def freshness(small_warehouse: DuckDBWarehouse) -> dict[str, pd.Timestamp]:
    return data.freshness(small_warehouse)
