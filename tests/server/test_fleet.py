"""``GET /v1/fleet``: the leaderboard over HTTP; bad dates are 422 naming the parameter."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from jobs.settings import Settings
from tests.jobs.fleet_fixtures import fleet_settings
from tests.server.conftest import signed

__all__ = ["fleet_settings"]


@pytest.fixture
def server_env(server_env: dict[str, str], fleet_settings: Settings) -> dict[str, str]:
    return {
        **server_env,
        "GBESS_VAR_DIR": str(fleet_settings.var_dir),
        "GBESS_DUCKDB_PATH": str(fleet_settings.duckdb_path),
    }


def test_fleet_with_the_lakeside_day(client: FlaskClient) -> None:
    response = signed(client, "GET", "/v1/fleet", query_string={"from": "2026-09-30"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["period"] == {"from": "2026-09-30", "to": "2026-09-30"}
    assert len(body["units"]) == 64
    lakeside = next(u for u in body["units"] if u["elexon_bm_unit"] == "T_LKSDB-1")
    assert lakeside["bm_offer_volume_mwh"] == pytest.approx(148.3667, abs=1e-3)
    assert lakeside["dynamic_response_revenue_gbp"] is None


def test_fleet_bad_date_is_422(client: FlaskClient) -> None:
    response = signed(client, "GET", "/v1/fleet", query_string={"from": "30/09/2026"})
    assert response.status_code == 422
    assert "from" in response.get_data(as_text=True)


def test_fleet_needs_auth(client: FlaskClient, tmp_path: Path) -> None:
    assert client.get("/v1/fleet").status_code == 401
