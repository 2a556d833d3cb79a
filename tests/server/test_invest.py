"""``POST /v1/bess/invest``: the case as JSON; bad input is problem+json naming the field, with
no cashflow table."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from jobs import background
from server.config import load_config
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
        ({"scenarios": 1001}, "scenarios", "1000"),
        ({"regime": "2030-2031"}, "regime", ""),
        ({"toll_share_frac": 1.5}, "toll_share_frac", "1"),
        ({"toll_share_frac": 0.5}, "toll_price_gbp_per_mw_per_year", "give the toll's price"),
        ({"scenarios": 2, "mode": "perfect_foresight"}, "mode", "forecast mode"),
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


def test_scenario_paths_run_as_a_job(client: FlaskClient, server_env: dict[str, str]) -> None:
    body = {"power_mw": 1, "energy_mwh": 2, "life_years": 2, "scenarios": 3,
            "regime": "2024-2025", "capex_gbp_per_kw": 300, "services": ["DRL"]}  # fmt: skip
    accepted = signed(client, "POST", "/v1/bess/invest", json=body)
    assert accepted.status_code == 202, accepted.get_json()
    job_id = accepted.get_json()["job_id"]
    assert accepted.get_json()["status_url"] == f"/v1/jobs/{job_id}"
    settings = load_config(server_env).settings
    assert background.wait(settings, job_id)["status"] == "complete"
    state = signed(client, "GET", f"/v1/jobs/{job_id}").get_json()
    assert (state["kind"], state["progress_done"], state["progress_total"]) == ("invest", 3, 3)
    spread = state["result"]["npv_distribution"]
    assert spread["paths"] == 3
    assert spread["p10_gbp"] <= spread["p50_gbp"] <= spread["p90_gbp"]
    assert 0.0 <= spread["probability_npv_negative"] <= 1.0


def test_a_regime_with_too_few_days_is_422_at_once(client: FlaskClient) -> None:
    body = {**BODY, "mode": "forecast", "scenarios": 2, "regime": "2026-2026"}
    response = signed(client, "POST", "/v1/bess/invest", json=body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["field"] == "regime"
    assert "holds 77 complete days" in problem["detail"]


def test_over_the_bound_answers_202_at_once(
    client: FlaskClient, server_env: dict[str, str]
) -> None:
    # Five price years x (1.0, 0.7, 0.4) over fifteen years may need 15 stacks > 4: a job,
    # decided before anything is read; here its years are not held, so the job fails naming
    # the field (no cashflow).
    body = {**BODY, "price_years": [2031, 2032, 2033, 2034, 2035], "life_years": 15}
    accepted = signed(client, "POST", "/v1/bess/invest", json=body)
    assert accepted.status_code == 202, accepted.get_json()
    state = background.wait(load_config(server_env).settings, accepted.get_json()["job_id"])
    assert (state["status"], state["field"]) == ("failed", "price_years")
    assert state["result"] is None


def test_a_case_the_stack_store_holds_is_answered_at_once(
    client: FlaskClient, server_env: dict[str, str]
) -> None:
    # Three price years x (1.0, 0.7) = 6 stacks > 4: a job; once it has run, the same
    # battery with another capex needs no stack and is answered at once.
    body = {**BODY, "price_years": [2023, 2024, 2025], "life_years": 4}
    first = signed(client, "POST", "/v1/bess/invest", json=body)
    assert first.status_code == 202, first.get_json()
    state = background.wait(load_config(server_env).settings, first.get_json()["job_id"])
    assert state["status"] == "complete", state
    again = signed(client, "POST", "/v1/bess/invest", json={**body, "capex_gbp_per_kw": 400})
    assert again.status_code == 200, again.get_json()
    doc = again.get_json()
    assert (doc["stacks_solved"], doc["stacks_reused"]) == (0, state["result"]["stacks_solved"])
    assert doc["cashflow"][0]["capex_gbp"] == -400_000
