"""``POST /v1/bess/response-value``: the report over HTTP; bad fields are 422 naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.jobs.response_fixtures import FREQUENCY_DAY, response_settings
from tests.server.conftest import signed

PATH = "/v1/bess/response-value"


@pytest.fixture
def server_env(
    server_env: dict[str, str], data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    settings = response_settings(data_dir, tmp_path_factory)
    return {
        **server_env,
        "GBESS_VAR_DIR": str(settings.var_dir),
        "GBESS_DUCKDB_PATH": str(settings.duckdb_path),
    }


def test_the_study_over_http(client: FlaskClient) -> None:
    body = {"from": FREQUENCY_DAY, "to": FREQUENCY_DAY, "method": "study"}
    response = signed(client, "POST", PATH, json=body)
    assert response.status_code == 200, response.get_json()
    document = response.get_json()
    assert document["energy"]["source"]["kind"] == "frequency"
    assert document["energy"]["net_import_mwh_per_mw"] == pytest.approx(0.5)
    assert document["per_mw"]["periods"] == 48
    assert "periods" not in document


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lag_periods": 1.5}, "lag_periods"),
        ({"efficiency": 0}, "efficiency"),
        ({"registration": "vlp"}, "registration"),
        ({"service": "QR"}, "service"),
        ({"energy_h": 0}, "energy_h"),
        ({"soc_start_frac": 1.2}, "soc_start_frac"),
        ({"to": "2024-01-01"}, "to"),
    ],
)
def test_bad_fields_are_422_naming_them(
    client: FlaskClient, change: dict[str, object], field: str
) -> None:
    body = {"from": FREQUENCY_DAY, "to": FREQUENCY_DAY, **change}
    response = signed(client, "POST", PATH, json=body)
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)


def test_needs_auth(client: FlaskClient) -> None:
    assert client.post(PATH, json={}).status_code == 401
