"""``POST /v1/bess/revenue``: the stack as JSON; bad input is problem+json naming the field."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.server.conftest import signed


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One DuckDB file for the module (the first request seeds it from the shipped data)."""
    return str(tmp_path_factory.mktemp("bess") / "w.duckdb")


@pytest.fixture
def server_env(server_env: dict[str, str], warehouse_file: str) -> dict[str, str]:
    return {**server_env, "GBESS_DUCKDB_PATH": warehouse_file}


def test_revenue_two_days(client: FlaskClient) -> None:
    body = {"from": "2024-06-01", "to": "2024-06-02", "power_mw": 1, "energy_mwh": 2,
            "services": ["DRL", "DCH"], "capacity_market": "T-4"}  # fmt: skip
    response = signed(client, "POST", "/v1/bess/revenue", json=body)
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert sum(doc["streams"].values()) == pytest.approx(doc["net_revenue_gbp"])
    assert set(doc["streams"]) >= {"energy_apx", "energy_system", "DRL", "DCH", "capacity_market"}
    # 2023/24 T-4 agreement; 2 MWh x sqrt(0.88) = 1.876 h at the meter -> the 1.5 h class:
    # 1000 kW x 0.3083 x £15.97 x 2 / 366 days.
    assert doc["streams"]["capacity_market"] == pytest.approx(1000 * 0.3083 * 15.97 * 2 / 366)
    assert doc["mode"] == "forecast"
    assert doc["upper_bound"]["label"] == "upper bound (perfect foresight)"
    assert doc["by_month"][0]["month"] == "2024-06"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"services": ["DCL", "FFR"]}, "services"),
        ({"energy_mwh": "2h"}, "energy_mwh"),
        ({"from": "2031-01-01", "to": "2031-01-02"}, "from"),
    ],
)
def test_bad_input_is_a_problem(client: FlaskClient, change: dict[str, object], field: str) -> None:
    body = {"from": "2024-06-01", "to": "2024-06-01", "power_mw": 1, "energy_mwh": 2, **change}
    response = signed(client, "POST", "/v1/bess/revenue", json=body)
    assert response.status_code in (404, 422, 400)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in (problem.get("field") or "") or field in problem["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # Each was "2 invalid fields in the body: energy_mwh.float, energy_mwh.str" (no field).
        ({"energy_mwh": None}, "energy_mwh"),
        ({"energy_mwh": [2]}, "energy_mwh"),
        ({"services": [1]}, "services"),
        # true was read as 1 MW.
        ({"power_mw": True}, "power_mw"),
        ({"round_trip_efficiency": 88}, "round_trip_efficiency"),
    ],
)
def test_wrong_types_name_one_field(
    client: FlaskClient, change: dict[str, object], field: str
) -> None:
    body = {"from": "2024-06-01", "to": "2024-06-01", "power_mw": 1, "energy_mwh": 2, **change}
    response = signed(client, "POST", "/v1/bess/revenue", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
