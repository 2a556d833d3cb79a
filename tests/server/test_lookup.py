"""POST /v1/lookup: per-row answers and errors in order; 4xx problems, never a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from engine.settlement import charging_year_of_date
from engine.site.result import FIELD_NAMES
from jobs.lookup import uk_today
from jobs.webhook_auth import sign_request
from server.app import create_app
from server.config import load_config
from server.lookup import MAX_QUERIES, LookupResponse
from tests.server.conftest import NOW_S, SECRET, signed

PROBLEM = "application/problem+json"


def _lookup(client: FlaskClient, body: Any) -> Any:
    return signed(client, "POST", "/v1/lookup", json=body)


def test_rows_in_order_with_errors_in_place(client: FlaskClient) -> None:
    queries = [
        "EC2R 8AH",
        "S 01 801 001 1200012345679",
        "1200012345670",
        "BA10 0AA",
        None,
        1200012345679,
        "",
        "   ",
        "sw1a 1aa",
        "BT1 1AA",
        "SW1A 1AAA",
        "00 845 ZZZ 1200012345679",
        "120001234567",
        "12000123456790",
        "12000X2345679",
    ]
    response = _lookup(client, {"queries": queries, "as_of": "2025-06-01"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["query"] for r in results] == queries
    LookupResponse.model_validate(response.get_json())  # the documented shape
    assert results[0]["gsp_group_id"] == "_C"
    assert results[1]["duos_tariff_name"] == "Domestic Aggregated or CT with Residual"
    assert results[1]["duos_charging_year"] == "2025/26"
    assert results[2]["error"] == {
        "type": "invalid-mpan",
        "detail": "check digit expected 9, got 0 in MPAN core 1200012345670",
    }
    assert [c["gsp_group_id"] for c in results[3]["candidates"]] == ["_H", "_L"]
    assert results[4]["error"]["detail"].endswith("got null")
    assert results[5]["error"]["detail"].endswith("got number 1200012345679")
    assert results[6]["error"]["type"] == results[7]["error"]["type"] == "validation-error"
    assert results[8]["postcode"] == "SW1A 1AA"
    assert "Northern Ireland" in results[9]["error"]["detail"]
    assert "at most 7" in results[10]["error"]["detail"]
    assert "unknown LLFC ZZZ" in results[11]["error"]["detail"]
    assert "has 12 digits" in results[12]["error"]["detail"]
    assert "has 14 digits" in results[13]["error"]["detail"]
    assert "non-digit 'X' at position 6" in results[14]["error"]["detail"]


def test_row_keys_are_the_engine_fields(client: FlaskClient) -> None:
    (row,) = _lookup(client, {"queries": ["M2 3JL"]}).get_json()["results"]
    assert tuple(row) == FIELD_NAMES


def test_as_of_defaults_to_today_in_the_uk(client: FlaskClient) -> None:
    (row,) = _lookup(client, {"queries": ["01 801 001 1200012345679"]}).get_json()["results"]
    assert row["duos_charging_year"] == charging_year_of_date(uk_today())


def test_ten_thousand_queries_answer(client: FlaskClient) -> None:
    response = _lookup(client, {"queries": ["M2 3JL"] * MAX_QUERIES})
    assert response.status_code == 200
    assert len(response.get_json()["results"]) == MAX_QUERIES


def test_over_the_limit_is_413_naming_it(client: FlaskClient) -> None:
    response = _lookup(client, {"queries": ["M2 3JL"] * (MAX_QUERIES + 1)})
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"] == "urn:gbess:problem:payload-too-large"
    assert problem["field"] == "queries"
    assert "10,001 given; at most 10,000" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "queries"),
        ({"queries": None}, 422, "queries"),
        ({"queries": "SW1A 1AA"}, 422, "queries"),
        ({"queries": [], "extra": 1}, 422, "extra"),
        ({"queries": ["M1"], "as_of": "2025-02-30"}, 422, "as_of"),
        ({"queries": ["M1"], "as_of": 0}, 422, "as_of"),  # not Unix seconds (1970-01-01)
        ({"queries": ["M1"], "as_of": 1748736000}, 422, "as_of"),
        ([], 422, "body"),
    ],
)
def test_bad_bodies_are_problems(client: FlaskClient, body: Any, status: int, field: str) -> None:
    response = _lookup(client, body)
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    assert response.get_json()["field"] == field


def test_body_that_is_not_json(client: FlaskClient) -> None:
    raw = b'{"queries": ["M1"'
    response = client.post(
        "/v1/lookup",
        data=raw,
        content_type="application/json",
        headers=sign_request(SECRET, raw, NOW_S),
    )
    assert response.status_code == 400
    assert response.get_json()["type"] == "urn:gbess:problem:malformed-json"


def test_empty_list_answers_empty(client: FlaskClient) -> None:
    assert _lookup(client, {"queries": []}).get_json() == {"results": []}


def test_unsigned_request_is_401(client: FlaskClient) -> None:
    response = client.post("/v1/lookup", json={"queries": ["M1"]})
    assert response.status_code == 401


def test_documented_in_openapi(client: FlaskClient) -> None:
    document = signed(client, "GET", "/v1/openapi.json").get_json()
    operation = document["paths"]["/v1/lookup"]["post"]
    assert "200" in operation["responses"]
    assert json.dumps(operation).count("LookupRequest") >= 1


def test_missing_reference_data_is_a_503_problem_not_a_404(
    server_env: dict[str, str], certs_session: requests.Session, tmp_path: Path
) -> None:
    # The server's own data missing is its fault (503), not the caller's (404); no path.
    config = load_config({**server_env, "GBESS_DATA_DIR": str(tmp_path / "nodata")})
    app = create_app(config, clock=lambda: float(NOW_S), http_session=certs_session)
    response = _lookup(app.test_client(), {"queries": ["M1"]})
    assert response.status_code == 503
    assert response.get_json()["type"] == "urn:gbess:problem:reference-data-unavailable"
    assert str(tmp_path) not in response.get_data(as_text=True)


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"[1, NaN]", b"1e999"])
def test_non_json_numbers_are_refused_not_echoed(client: FlaskClient, literal: bytes) -> None:
    # Echoing NaN back in an error row would make the whole answer invalid JSON.
    raw = b'{"queries": ["M1", ' + literal + b"]}"
    response = signed(client, "POST", "/v1/lookup", data=raw)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["field"] == "queries[1]"
    assert "not a JSON number" in problem["detail"]
