"""``POST /v1/bess/risk`` answers with a job id at once; ``GET /v1/jobs/{id}`` from any
worker gives progress and the result; bad input is a 422 before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jobs import background
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed
from server.app import create_app
from server.config import load_config
from tests.server.conftest import NOW_S, signed

SMALL = {
    "power_mw": 1,
    "duration_h": 1,
    "regime": "2024-2025",
    "scenarios": 2,
    "merchant": False,
    "toll_price_gbp_per_mw_per_year": 70000,
}


@pytest.fixture(scope="module")
def seeded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("risk-http") / "gbess.duckdb"
    settings = Settings(data_dir=data_dir, duckdb_path=path)
    with open_warehouse(settings) as warehouse:
        seed_if_needed(warehouse, settings)
    return path


@pytest.fixture
def server_env(server_env: dict[str, str], seeded: Path) -> dict[str, str]:
    var = Path(server_env["GBESS_VAR_DIR"])
    var.mkdir(parents=True)
    shutil.copy(seeded, var / "gbess.duckdb")
    return {**server_env, "GBESS_RISK_WORKERS": "1"}


def _second_worker(server_env: dict[str, str]) -> Flask:
    return create_app(load_config(server_env), clock=lambda: float(NOW_S))


def test_a_risk_run_is_a_job_any_worker_can_follow(
    client: FlaskClient, server_env: dict[str, str]
) -> None:
    accepted = signed(client, "POST", "/v1/bess/risk", json=SMALL)
    assert accepted.status_code == 202
    job_id = accepted.get_json()["job_id"]
    assert accepted.get_json()["status_url"] == f"/v1/jobs/{job_id}"
    settings = load_config(server_env).settings
    assert background.wait(settings, job_id)["status"] == "complete"
    other = _second_worker(server_env).test_client()
    answer = signed(other, "GET", f"/v1/jobs/{job_id}")
    assert answer.status_code == 200
    state = answer.get_json()
    assert state["status"] == "complete"
    assert (state["progress_done"], state["progress_total"]) == (4, 4)
    result = state["result"]
    assert result["scenarios"]["replayed_years"] == [2024, 2025]
    annual = result["annual"]
    assert annual["p10_gbp"] <= annual["p50_gbp"] <= annual["p90_gbp"]
    assert len(result["monthly_fan"]) == 12


SITE = {
    "distributor": "10",
    "import_tariff": "HV Site Specific No Residual",
    "export_tariff": "HV Generation Site Specific",
}


def test_a_site_run_states_its_tariffs(client: FlaskClient, server_env: dict[str, str]) -> None:
    body = {**SMALL, **SITE, "replay": False, "scenarios": 1}
    accepted = signed(client, "POST", "/v1/bess/risk", json=body)
    assert accepted.status_code == 202
    state = background.wait(load_config(server_env).settings, accepted.get_json()["job_id"])
    assert state["status"] == "complete"
    assert state["result"]["site"] == SITE
    assert state["result"]["registration"] == "bm"  # the default, as POST /v1/bess/revenue
    assert any("Network charges" in a for a in state["result"]["assumptions"])


def test_too_little_history_fails_the_job_naming_the_regime(
    client: FlaskClient, server_env: dict[str, str]
) -> None:
    body = {**SMALL, "regime": "2026-2026", "replay": False}
    job_id = signed(client, "POST", "/v1/bess/risk", json=body).get_json()["job_id"]
    state = background.wait(load_config(server_env).settings, job_id)
    assert state["status"] == "failed"
    assert state["field"] == "regime"
    assert state["result"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confidence": [0.95, 1.0]}, "confidence"),
        ({"scenarios": 0}, "scenarios"),
        ({"scenarios": 10_001}, "scenarios"),
        ({"threshold_gbp": -5}, "threshold_gbp"),
        ({"services": ["QR"]}, "services"),
        ({"regime": "2026-2024"}, "regime"),
        # A site: the revenue use case's own errors, before any job starts.
        ({**SITE, "import_tariff": "No Such Tariff"}, "import_tariff"),
        ({**SITE, "export_tariff": None}, "export_tariff"),
        # The revenue use case reports an unknown licence area on the first tariff it resolves
        # ("import_tariff: distributor: '99' is not a licence area ...").
        ({**SITE, "distributor": "99"}, "import_tariff"),
        ({"registration": "secondary"}, "registration"),
    ],
)
def test_bad_input_is_422_at_once(
    client: FlaskClient, change: dict[str, object], field: str
) -> None:
    answer = signed(client, "POST", "/v1/bess/risk", json={**SMALL, **change})
    assert answer.status_code == 422
    problem = answer.get_json()
    fields = [problem.get("field")] + [e.get("field") for e in problem.get("errors", [])]
    assert any(str(f).startswith(field) for f in fields if f), problem


def test_an_unknown_job_is_404(client: FlaskClient) -> None:
    assert signed(client, "GET", f"/v1/jobs/{'9' * 18}").status_code == 404
    assert signed(client, "GET", "/v1/jobs/not-a-job").status_code == 404
    assert signed(client, "GET", "/v1/jobs/12").status_code == 404
