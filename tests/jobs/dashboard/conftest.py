"""A small hand-checkable DuckDB warehouse (the warehouse tests' fixture data) for the tabs."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from jobs.dashboard import data
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(tmp_path_factory.mktemp("wh") / "small.duckdb")
    fill(warehouse)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def freshness(small_warehouse: DuckDBWarehouse) -> dict[str, pd.Timestamp]:
    return data.freshness(small_warehouse)
