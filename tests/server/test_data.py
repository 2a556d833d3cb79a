"""``GET /v1/data/coverage``: the data range from the warehouse, signed like every /v1 route."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coverage") / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    return path


@pytest.fixture
def server_env(server_env: dict[str, str], filled: Path) -> dict[str, str]:
    return {**server_env, "GBESS_DUCKDB_PATH": str(filled)}


def test_coverage_states_each_range(client: FlaskClient, signed: Any) -> None:
    response = signed(client, "GET", "/v1/data/coverage")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["market_data"] == "market data 2024-03-31 … 2024-04-01"
    prices = body["datasets"][0]
    assert prices["dataset"] == "system_prices"
    assert (prices["first_day"], prices["last_day"]) == ("2024-03-31", "2024-04-01")


def test_a_filter_and_a_wrong_name(client: FlaskClient, signed: Any) -> None:
    response = signed(
        client, "GET", "/v1/data/coverage", query_string={"datasets": "dynamic_response_results"}
    )
    assert [d["dataset"] for d in response.get_json()["datasets"]] == ["dynamic_response_results"]
    wrong = signed(client, "GET", "/v1/data/coverage", query_string={"datasets": "prices"})
    assert wrong.status_code == 422
    assert wrong.get_json()["field"] == "datasets"
    both = "system_prices,market_index"
    response = signed(client, "GET", "/v1/data/coverage", query_string={"datasets": both})
    assert [d["dataset"] for d in response.get_json()["datasets"]] == both.split(",")


def test_unsigned_is_refused(client: FlaskClient) -> None:
    assert client.get("/v1/data/coverage").status_code == 401
