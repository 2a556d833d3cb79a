"""Authentication: real HMAC signatures and real RS256 ID tokens against the real app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from jobs.webhook_auth import sign_request
from server.app import create_app
from server.config import load_config
from tests.server.conftest import NOW_S, SECRET, CertsAdapter, signed

PROBLEM = "application/problem+json"


def _assert_401(response: Any, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert "WWW-Authenticate" in response.headers
    body: dict[str, Any] = response.get_json()
    assert body["type"] == "urn:gbess:problem:unauthorized"
    assert body["status"] == 401
    if field is not None:
        assert body["field"] == field
    return body


# --- HMAC -----------------------------------------------------------------------------


def test_signed_get_passes_auth(client: FlaskClient) -> None:
    # Auth passes, so routing decides: the unknown path is a 404, not a 401.
    response = signed(client, "GET", "/v1/no-such-route")
    assert response.status_code == 404


def test_signed_openapi_is_served(client: FlaskClient) -> None:
    assert signed(client, "GET", "/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("path", ["/v1/lookup", "/v1/bess/revenue", "/v1/jobs/refresh", "/x"])
def test_unauthenticated_post_is_401_problem(client: FlaskClient, path: str) -> None:
    body = _assert_401(client.post(path, json={"a": 1}), field="headers")
    assert body["instance"] == path


def test_bad_signature_is_401(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/openapi.json", json={"a": 1}, secret="x" * 40)
    assert "does not match" in _assert_401(response, field="X-Gbess-Signature")["detail"]


def test_signature_covers_the_body(client: FlaskClient) -> None:
    headers = sign_request(SECRET, b'{"a": 1}', NOW_S)
    response = client.post("/v1/openapi.json", data=b'{"a": 2}', headers=headers)
    _assert_401(response, field="X-Gbess-Signature")


@pytest.mark.parametrize(
    ("offset_s", "ok"), [(-300, True), (300, True), (-301, False), (301, False)]
)
def test_timestamp_window_is_300_s(client: FlaskClient, offset_s: int, ok: bool) -> None:
    response = signed(client, "GET", "/v1/openapi.json", timestamp_s=NOW_S + offset_s)
    if ok:
        assert response.status_code == 200
    else:
        assert "300 s" in _assert_401(response, field="X-Gbess-Timestamp")["detail"]


@pytest.mark.parametrize("missing", ["X-Gbess-Timestamp", "X-Gbess-Signature"])
def test_missing_one_header_is_401(client: FlaskClient, missing: str) -> None:
    headers = sign_request(SECRET, b"", NOW_S)
    del headers[missing]
    response = client.get("/v1/openapi.json", headers=headers)
    assert missing in _assert_401(response, field=missing)["detail"]


@pytest.mark.parametrize("timestamp", ["1750004800.5", "-1750004800", "abc", "１７５０"])
def test_malformed_timestamp_is_401(client: FlaskClient, timestamp: str) -> None:
    headers = sign_request(SECRET, b"", NOW_S) | {"X-Gbess-Timestamp": timestamp}
    _assert_401(client.get("/v1/openapi.json", headers=headers), field="X-Gbess-Timestamp")


def test_uppercase_hex_signature_is_accepted(client: FlaskClient) -> None:
    headers = sign_request(SECRET, b"", NOW_S)
    headers["X-Gbess-Signature"] = headers["X-Gbess-Signature"].upper()
    assert client.get("/v1/openapi.json", headers=headers).status_code == 200


def test_health_needs_no_auth(client: FlaskClient) -> None:
    assert client.get("/health/live").status_code == 200
    # /health answers without credentials: 503 here only because the test var dir holds
    # no warehouse (tests/server/test_health.py has the 200 case), never 401.
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "degraded"
    assert "WWW-Authenticate" not in response.headers


# --- OIDC -----------------------------------------------------------------------------


def _bearer(client: FlaskClient, token: str) -> Any:
    return client.get("/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})


def test_valid_id_token_passes(client: FlaskClient, mint_id_token: Callable[..., str]) -> None:
    assert _bearer(client, mint_id_token()).status_code == 200


def test_second_audience_and_domain_allow_list(
    client: FlaskClient, mint_id_token: Callable[..., str]
) -> None:
    # The Cloud Scheduler case: audience is the service URL, email a service account in an
    # allow-listed domain.
    token = mint_id_token(aud="https://gbess.test", email="refresh@trusted.example")
    assert _bearer(client, token).status_code == 200


def test_certificates_are_fetched_once_per_max_age(
    client: FlaskClient, mint_id_token: Callable[..., str], certs_adapter: CertsAdapter
) -> None:
    for _ in range(3):
        assert _bearer(client, mint_id_token()).status_code == 200
    assert len(certs_adapter.calls) == 1


@pytest.mark.parametrize(
    ("claims", "fragment"),
    [
        ({"iat": 1_000_000_000, "exp": 1_000_003_600}, "expired"),
        ({"aud": "someone-else.apps.googleusercontent.com"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
    ],
)
def test_invalid_id_token_is_401(
    client: FlaskClient,
    mint_id_token: Callable[..., str],
    claims: dict[str, Any],
    fragment: str,
) -> None:
    body = _assert_401(_bearer(client, mint_id_token(**claims)), field="Authorization")
    assert fragment in body["detail"].lower()
    assert (
        'error="invalid_token"'
        in _bearer(client, mint_id_token(**claims)).headers["WWW-Authenticate"]
    )


def test_token_signed_by_another_key_is_401(
    client: FlaskClient, mint_id_token: Callable[..., str]
) -> None:
    header, payload, signature = mint_id_token().split(".")
    forged = ".".join([header, payload, signature[::-1]])
    _assert_401(_bearer(client, forged), field="Authorization")


@pytest.mark.parametrize("value", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt"])
def test_malformed_authorization_is_401(client: FlaskClient, value: str) -> None:
    response = client.get("/v1/openapi.json", headers={"Authorization": value})
    _assert_401(response, field="Authorization")


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "intruder@example.com"},
        {"email": "analyst@example.com.evil.test"},
        {"email": "x@untrusted.example"},
        {"email_verified": False},
        {"email": None},
    ],
)
def test_disallowed_identity_is_403(
    client: FlaskClient, mint_id_token: Callable[..., str], claims: dict[str, Any]
) -> None:
    response = _bearer(client, mint_id_token(**claims))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["type"] == "urn:gbess:problem:forbidden"


def test_certificate_fetch_failure_is_502(
    server_env: dict[str, str],
    signing_key: tuple[bytes, str],
    mint_id_token: Callable[..., str],
) -> None:
    import requests

    session = requests.Session()
    session.mount("https://", CertsAdapter({}, status=500))
    app = create_app(load_config(server_env), clock=lambda: float(NOW_S), http_session=session)
    response = _bearer(app.test_client(), mint_id_token())
    assert response.status_code == 502
    assert response.get_json()["type"] == "urn:gbess:problem:source-unavailable"


def test_bearer_refused_when_only_hmac_configured(
    server_env: dict[str, str], mint_id_token: Callable[..., str]
) -> None:
    env = server_env | {"GBESS_AUTH": "hmac"}
    client = create_app(load_config(env), clock=lambda: float(NOW_S)).test_client()
    _assert_401(_bearer(client, mint_id_token()), field="Authorization")
    assert signed(client, "GET", "/v1/openapi.json").status_code == 200


def test_hmac_refused_when_only_oidc_configured(server_env: dict[str, str]) -> None:
    env = server_env | {"GBESS_AUTH": "oidc"}
    client = create_app(load_config(env), clock=lambda: float(NOW_S)).test_client()
    response = signed(client, "GET", "/v1/openapi.json")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _assert_401(response, field="headers")


# --- GBESS_AUTH=off -------------------------------------------------------------------


def test_auth_off_lets_loopback_in_and_warns(
    server_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    env = server_env | {"GBESS_AUTH": "off", "GBESS_HOST": "127.0.0.1"}
    app = create_app(load_config(env))
    assert any("GBESS_AUTH=off" in r.getMessage() for r in caplog.records)
    assert app.test_client().get("/v1/openapi.json").status_code == 200


def test_auth_off_rejects_non_loopback_callers(server_env: dict[str, str]) -> None:
    env = server_env | {"GBESS_AUTH": "off"}
    client = create_app(load_config(env)).test_client()
    response = client.get("/v1/openapi.json", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 403


def test_certificate_cache_expires_after_max_age(certs_adapter: CertsAdapter) -> None:
    import requests

    from server.auth import GOOGLE_CERTS_URL, CachingCertsRequest

    now = [1_000.0]
    session = requests.Session()
    session.mount("https://", certs_adapter)
    fetch = CachingCertsRequest(session, clock=lambda: now[0])
    fetch(GOOGLE_CERTS_URL)
    now[0] += 3_599  # the fake answers max-age=3600: still fresh
    fetch(GOOGLE_CERTS_URL)
    assert len(certs_adapter.calls) == 1
    now[0] += 2  # 3601 s after the first fetch: stale
    assert fetch(GOOGLE_CERTS_URL).status == 200
    assert len(certs_adapter.calls) == 2
