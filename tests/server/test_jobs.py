"""``POST /v1/jobs/refresh``: signed, validated, returns the run summary; idempotent."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.server.conftest import signed


def test_refresh_returns_the_summary_and_is_idempotent(client: FlaskClient) -> None:
    bodies: list[dict[str, Any]] = []
    for _ in range(2):
        response = signed(client, "POST", "/v1/jobs/refresh", json={"tabs": ["sites", "DUoS"]})
        assert response.status_code == 200
        bodies.append(response.get_json())
    first, second = bodies
    assert [t["job"] for t in first["tabs"]] == ["Sites", "DUoS"]
    assert first["ok"] is True
    assert first["workbook"].endswith("dashboard.xlsx")
    same = ("job", "rows", "status", "data_as_of_utc")
    assert [{k: t[k] for k in same} for t in first["tabs"]] == [
        {k: t[k] for k in same} for t in second["tabs"]
    ]


def test_unknown_tab_is_422_naming_it(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/jobs/refresh", json={"tabs": ["Prices"]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "unknown tab 'Prices'" in response.get_json()["detail"]


def test_unsigned_is_401(client: FlaskClient) -> None:
    assert client.post("/v1/jobs/refresh", json={}).status_code == 401


def test_bad_backend_is_rejected(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/jobs/refresh", json={"backend": "s3"})
    assert response.status_code in {400, 422}


def test_google_sheets_not_configured_is_503_naming_the_setting(client: FlaskClient) -> None:
    # The request is fine; the server lacks GBESS_SHEETS_SPREADSHEET_ID: an operator's fix.
    response = signed(client, "POST", "/v1/jobs/refresh", json={"backend": "google"})
    assert response.status_code == 503
    problem = response.get_json()
    assert problem["type"].endswith("not-configured")
    assert problem["detail"] == (
        "the server is not set up to write Google Sheets: set GBESS_SHEETS_SPREADSHEET_ID "
        "(docs/dashboard.md, 'Google Sheets setup'), or refresh the local workbook (backend local)"
    )
