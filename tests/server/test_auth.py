"""Authentication: real HMAC signatures and real RS256 ID tokens against the real app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from jobs.webhook_auth import sign_request
from server.api import heavy_slot
from server.app import create_app
from server.config import load_config
from tests.server.conftest import AUDIENCE, NOW_S, SECRET, CertsAdapter, signed, signed_headers

PROBLEM = "application/problem+json"
# A GET that needs auth (/v1/openapi.json is public since issue 18): once auth passes,
# routing answers 404, so 404 means "authenticated" and 401 means "refused".
GUARDED = "/v1/no-such-route"


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


def test_openapi_is_public_other_v1_routes_are_not(client: FlaskClient) -> None:
    # The document describes the API and holds no data (issue 18).
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "openapi" in response.get_json()
    _assert_401(client.post("/v1/lookup", json={"queries": ["EC2R 8AH"]}), field="headers")
    _assert_401(client.get("/v1/fleet"), field="headers")


@pytest.mark.parametrize("path", ["/v1/lookup", "/v1/bess/revenue", "/v1/jobs/refresh", "/x"])
def test_unauthenticated_post_is_401_problem(client: FlaskClient, path: str) -> None:
    body = _assert_401(client.post(path, json={"a": 1}), field="headers")
    assert body["instance"] == path


def test_bad_signature_is_401(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/openapi.json", json={"a": 1}, secret="x" * 40)
    assert "does not match" in _assert_401(response, field="X-Gbess-Signature")["detail"]


def test_signature_covers_the_body(client: FlaskClient) -> None:
    headers = signed_headers("POST", "/v1/openapi.json", b'{"a": 1}')
    response = client.post("/v1/openapi.json", data=b'{"a": 2}', headers=headers)
    _assert_401(response, field="X-Gbess-Content-SHA256")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/jobs/refresh?x=1"),  # another query
        ("POST", "/v1/lookup"),  # another path
        ("PUT", "/v1/jobs/refresh"),  # another method
        ("GET", "/v1/fleet"),  # issue 19's GET (it was /v1/openapi.json, now public)
    ],
)
def test_signature_is_bound_to_method_path_and_query(
    client: FlaskClient, method: str, path: str
) -> None:
    headers = signed_headers("POST", "/v1/jobs/refresh", b"{}")
    response = client.open(path, method=method, data=b"{}", headers=headers)
    assert "does not match the method, path, query" in _assert_401(response)["detail"]


def test_a_signature_is_accepted_once(client: FlaskClient) -> None:
    # A signed route that needs auth: past auth, routing answers 404.
    headers = signed_headers("GET", "/v1/no-such-route")
    assert client.get("/v1/no-such-route", headers=headers).status_code == 404
    again = _assert_401(client.get("/v1/no-such-route", headers=headers), "X-Gbess-Signature")
    assert "already used" in again["detail"]
    # A fresh signature (new nonce) of the same request passes.
    assert signed(client, "GET", "/v1/no-such-route").status_code == 404


def test_v1_signatures_are_refused_unless_allowed(
    server_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    env = {k: v for k, v in server_env.items() if k != "GBESS_ALLOW_V1_SIGNATURES"}
    strict = create_app(load_config(env), clock=lambda: float(NOW_S)).test_client()
    response = strict.get("/v1/no-such-route", headers=sign_request(SECRET, b"", NOW_S))
    assert "v1 signatures are no longer accepted" in _assert_401(response)["detail"]
    lenient = create_app(
        load_config(env | {"GBESS_ALLOW_V1_SIGNATURES": "1"}), clock=lambda: float(NOW_S)
    ).test_client()
    ok = lenient.get("/v1/no-such-route", headers=sign_request(SECRET, b"", NOW_S))
    assert ok.status_code == 404  # past auth, routing answers
    assert any("deprecated v1" in r.getMessage() for r in caplog.records)
    replay = lenient.get("/v1/no-such-route", headers=sign_request(SECRET, b"", NOW_S))
    assert "already used" in _assert_401(replay)["detail"]


def test_an_8_kb_signature_header_is_a_401_problem(client: FlaskClient) -> None:
    headers = signed_headers("GET", "/v1/fleet")
    headers["X-Gbess-Signature"] = "v2=" + "a" * 8000
    body = _assert_401(client.get("/v1/fleet", headers=headers), "X-Gbess-Signature")
    assert len(body["detail"]) < 200


def test_heavy_requests_beyond_the_cap_get_429_with_retry_after(
    server_env: dict[str, str],
) -> None:
    app = create_app(
        load_config(server_env | {"GBESS_HEAVY_PER_WORKER": "1"}), clock=lambda: float(NOW_S)
    )
    client = app.test_client()
    with heavy_slot(app):  # one valuation already running in this worker
        response = signed(client, "POST", "/v1/bess/dispatch", json={"power_mw": 1})
        assert response.status_code == 429
        assert response.mimetype == PROBLEM
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["type"] == "urn:gbess:problem:too-many-requests"
        # Lookups are not capped.
        lookup = signed(client, "POST", "/v1/lookup", json={"queries": ["SW1A 1AA"]})
        assert lookup.status_code == 200
    # The slot is free again: the same request now reaches validation (422).
    assert signed(client, "POST", "/v1/bess/dispatch", json={"power_mw": 1}).status_code == 422


@pytest.mark.parametrize(
    ("offset_s", "ok"), [(-300, True), (300, True), (-301, False), (301, False)]
)
def test_timestamp_window_is_300_s(client: FlaskClient, offset_s: int, ok: bool) -> None:
    response = signed(client, "GET", GUARDED, timestamp_s=NOW_S + offset_s)
    if ok:
        assert response.status_code == 404
    else:
        assert "300 s" in _assert_401(response, field="X-Gbess-Timestamp")["detail"]


@pytest.mark.parametrize(
    "missing", ["X-Gbess-Timestamp", "X-Gbess-Signature", "X-Gbess-Nonce", "X-Gbess-Content-SHA256"]
)
def test_missing_one_header_is_401(client: FlaskClient, missing: str) -> None:
    headers = signed_headers("GET", GUARDED)
    del headers[missing]
    response = client.get(GUARDED, headers=headers)
    assert missing in _assert_401(response, field=missing)["detail"]


@pytest.mark.parametrize("timestamp", ["1750004800.5", "-1750004800", "abc", "１７５０"])
def test_malformed_timestamp_is_401(client: FlaskClient, timestamp: str) -> None:
    headers = sign_request(SECRET, b"", NOW_S) | {"X-Gbess-Timestamp": timestamp}
    _assert_401(client.get(GUARDED, headers=headers), field="X-Gbess-Timestamp")


def test_uppercase_hex_signature_is_accepted(client: FlaskClient) -> None:
    headers = signed_headers("GET", GUARDED)
    headers["X-Gbess-Signature"] = "v2=" + headers["X-Gbess-Signature"][3:].upper()
    assert client.get(GUARDED, headers=headers).status_code == 404


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
    return client.get(GUARDED, headers={"Authorization": f"Bearer {token}"})


def test_valid_id_token_passes(client: FlaskClient, mint_id_token: Callable[..., str]) -> None:
    assert _bearer(client, mint_id_token()).status_code == 404


def test_second_audience_and_domain_allow_list(
    client: FlaskClient, mint_id_token: Callable[..., str]
) -> None:
    # The Cloud Scheduler case: audience is the service URL, email a service account in an
    # allow-listed domain.
    token = mint_id_token(
        aud="https://gbess.test", email="refresh@trusted.example", hd="trusted.example"
    )
    assert _bearer(client, token).status_code == 404


@pytest.mark.parametrize("hd", [None, "evil.example", "trusted.example.evil"])
def test_domain_entries_need_the_hosted_domain_claim(
    client: FlaskClient, mint_id_token: Callable[..., str], hd: str | None
) -> None:
    # A consumer account can hold a verified email at a domain it does not run: no hd.
    token = mint_id_token(email="someone@trusted.example", hd=hd)
    assert _bearer(client, token).status_code == 403


def test_wrong_audience_does_not_list_the_configured_audiences(
    client: FlaskClient, mint_id_token: Callable[..., str]
) -> None:
    response = _bearer(client, mint_id_token(aud="someone-else.apps.googleusercontent.com"))
    detail = _assert_401(response, field="Authorization")["detail"]
    assert detail == "invalid ID token: wrong audience"
    assert AUDIENCE not in response.get_data(as_text=True)
    assert "gbess.test" not in response.get_data(as_text=True)


def test_certificates_are_fetched_once_per_max_age(
    client: FlaskClient, mint_id_token: Callable[..., str], certs_adapter: CertsAdapter
) -> None:
    for _ in range(3):
        assert _bearer(client, mint_id_token()).status_code == 404
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
    response = client.get(GUARDED, headers={"Authorization": value})
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
    assert signed(client, "GET", GUARDED).status_code == 404


def test_hmac_refused_when_only_oidc_configured(server_env: dict[str, str]) -> None:
    env = server_env | {"GBESS_AUTH": "oidc"}
    client = create_app(load_config(env), clock=lambda: float(NOW_S)).test_client()
    response = signed(client, "GET", GUARDED)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _assert_401(response, field="headers")


# --- GBESS_AUTH=off -------------------------------------------------------------------


def test_auth_off_lets_loopback_in_and_warns(
    server_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    env = server_env | {"GBESS_AUTH": "off", "GBESS_HOST": "127.0.0.1"}
    app = create_app(load_config(env))
    assert any("GBESS_AUTH=off" in r.getMessage() for r in caplog.records)
    assert app.test_client().get(GUARDED).status_code == 404


def test_auth_off_rejects_non_loopback_callers(server_env: dict[str, str]) -> None:
    env = server_env | {"GBESS_AUTH": "off"}
    client = create_app(load_config(env)).test_client()
    response = client.get(GUARDED, environ_base={"REMOTE_ADDR": "203.0.113.7"})
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
