"""``POST /v1/bess/invest``: the case as JSON; bad input is problem+json naming the field, with
no cashflow table."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.server.conftest import signed


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One DuckDB file for the module (the first request seeds it from the shipped data)."""
    return str(tmp_path_factory.mktemp("invest") / "w.duckdb")


@pytest.fixture
def server_env(server_env: dict[str, str], warehouse_file: str) -> dict[str, str]:
    return {**server_env, "GBESS_DUCKDB_PATH": warehouse_file}


BODY = {"power_mw": 1, "energy_mwh": 2, "price_years": [2024], "life_years": 2,
        "mode": "perfect_foresight", "capex_gbp_per_kw": 300, "services": ["DRL"]}  # fmt: skip


def test_a_two_year_case(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/bess/invest", json=BODY)
    assert response.status_code == 200, response.get_json()
    doc = response.get_json()
    assert doc["label"] == "upper bound (perfect foresight)"
    rows = doc["cashflow"]
    assert [r["project_year"] for r in rows] == [0, 1, 2]
    assert rows[0]["capex_gbp"] == -300_000
    assert sum(r["discounted_cashflow_gbp"] for r in rows) == pytest.approx(doc["npv_gbp"])
    assert rows[1]["price_year"] == "2024"
    assert rows[2]["price_year"] == "2024"
    # Year 2 is valued on the faded energy, between the grid's points.
    assert rows[2]["usable_energy_frac"] < 1.0
    assert rows[1]["DRL_gbp"] > 0
    assert 1 <= doc["stacks_solved"] <= 2
    assert any("real" in a for a in doc["assumptions"])


@pytest.mark.parametrize(
    ("change", "field", "phrase"),
    [
        ({"discount_rate_real_frac": 8}, "discount_rate_real_frac", "did you mean 0.08?"),
        ({"discount_rate_real_frac": -1.5}, "discount_rate_real_frac", "(-1, 1)"),
        ({"life_years": 0}, "life_years", "1 to 50"),
        ({"life_years": 51}, "life_years", "1 to 50"),
        ({"capex_gbp_per_kwh": -10}, "capex_gbp_per_kwh", "negative"),
        ({"fade_cycles_curve": [[0, 1], [100, 0.9], [200, 0.95]]}, "fade_cycles_curve", "increase"),
        ({"fade_years_curve": [[0, 0.95], [10, 0.9]]}, "fade_years_curve", "(0, 1)"),
        ({"augmentation_threshold_frac": 1.2}, "augmentation_threshold_frac", "at most 1"),
        ({"capacity_market": "T-4", "cm_first_delivery_year": "2035/36"},
         "cm_price_gbp_per_kw_per_year", "no published T-4 auction"),
        ({"price_years": [2019, 2020, 2021, 2022, 2023, 2024, 2025]}, "price_years", "6 revenue"),
        ({"price_years": [2023, 2024], "sweep": True}, "price_years", "sizes"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(
    client: FlaskClient, change: dict[str, object], field: str, phrase: str
) -> None:
    response = signed(client, "POST", "/v1/bess/invest", json={**BODY, **change})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in str(problem.get("field") or "") or field in problem["detail"]
    assert phrase in problem["detail"] or any(phrase in str(e) for e in problem.get("errors", []))
    assert "cashflow" not in problem


def test_a_year_the_warehouse_lacks_is_404(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/bess/invest", json={**BODY, "price_years": [2031]})
    assert response.status_code == 404
    assert response.get_json()["field"] == "price_years"
