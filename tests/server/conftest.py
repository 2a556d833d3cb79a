"""Fixtures for server tests: an app built from test config, a client, signed requests.

For an endpoint test::

    def test_lookup(client, signed):
        response = signed(client, "POST", "/v1/lookup", json={"postcode": "SW1A 1AA"})
        assert response.status_code == 200

``signed`` signs (scheme v2: method, path, query, timestamp, nonce and body digest) with
the test secret at the app's fixed clock (``NOW_S``), exactly as the Apps Script client
does; ``signed_headers`` gives just the headers, for raw HTTP clients. For a different
environment, override ``server_env`` in your test module (it is a plain dict of
environment variables). For OIDC, ``mint_id_token``
makes a real RS256 Google-style ID token whose certificate the app fetches through
``certs_session`` (no network).
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from google.auth import crypt
from google.auth import jwt as google_jwt

from jobs.webhook_auth import sign_request_v2
from server.app import create_app
from server.auth import GOOGLE_CERTS_URL
from server.config import ServerConfig, load_config
from tests.fake_transport import FakeTransport, Timeout

SECRET = "test-secret-0123456789abcdef0123456789abcdef"
# The app's fixed clock in tests [Unix s] (2025-06-15 16:26:40 UTC); signatures use it too.
NOW_S = 1_750_004_800
AUDIENCE = "1234567890-test.apps.googleusercontent.com"
ALLOWED_EMAIL = "analyst@example.com"
KEY_ID = "test-key-1"


def signed(
    client: FlaskClient,
    method: str,
    path: str,
    json: Any = None,
    *,
    data: bytes | None = None,
    content_type: str | None = None,
    secret: str = SECRET,
    timestamp_s: int = NOW_S,
    headers: dict[str, str] | None = None,
    query_string: dict[str, Any] | None = None,
) -> Any:
    """Send ``method path`` with a JSON body (if given), HMAC-signed (v2) like a real client.

    Args:
        client: The Flask test client.
        method: HTTP method.
        path: Request path, e.g. ``/v1/lookup``.
        json: Body to send as JSON (``None``: empty body).
        data: Raw body bytes instead of ``json`` (e.g. malformed JSON); signed as sent.
        content_type: Media type (default ``application/json`` when there is a body).
        secret: Signing secret (default: the app's test secret).
        timestamp_s: Signing time [Unix s] (default: the app's fixed clock).
        headers: Extra headers (they win over the signature headers).
        query_string: Query parameters (encoded once, and signed as sent).
    """
    if data is not None:
        body = data
    else:
        body = b"" if json is None else jsonlib.dumps(json).encode("utf-8")
    if content_type is None and body:
        content_type = "application/json"
    query = urllib.parse.urlencode(query_string or {}, doseq=True)
    all_headers = sign_request_v2(secret, method, path, query, body, timestamp_s)
    all_headers.update(headers or {})
    return client.open(
        f"{path}?{query}" if query else path,
        method=method,
        data=body,
        headers=all_headers,
        content_type=content_type,
    )


def signed_headers(
    method: str,
    path: str,
    body: bytes = b"",
    *,
    query: str = "",
    timestamp_s: int = NOW_S,
    secret: str = SECRET,
) -> dict[str, str]:
    """The v2 signature headers for one request (a fresh nonce each call).

    Args:
        method: HTTP method.
        path: Request path without the query.
        body: The exact body bytes.
        query: The query string as sent, without ``?``.
        timestamp_s: Signing time [Unix s] (default: the app's fixed clock).
        secret: Signing secret (default: the app's test secret).
    """
    return sign_request_v2(secret, method, path, query, body, timestamp_s)


class CertsAdapter(FakeTransport):
    """Serves a fixed certificate document at Google's certs URL; counts fetches."""

    def __init__(self, certs: dict[str, str], *, status: int = 200) -> None:
        super().__init__()
        self.certs = certs
        self.status = status
        self.calls: list[str] = []

    def answer(self, request: requests.PreparedRequest, timeout: Timeout) -> requests.Response:
        self.calls.append(str(request.url))
        response = requests.Response()
        response.status_code = self.status if request.url == GOOGLE_CERTS_URL else 404
        response.headers["Content-Type"] = "application/json"
        response.headers["Cache-Control"] = "public, max-age=3600"
        response._content = jsonlib.dumps(self.certs).encode()
        response.url = str(request.url)
        response.request = request
        return response


@pytest.fixture(scope="session")
def signing_key() -> tuple[bytes, str]:
    """A throwaway RSA key (PEM) and its self-signed certificate (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gbess-test")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=36500))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def certs_adapter(signing_key: tuple[bytes, str]) -> CertsAdapter:
    return CertsAdapter({KEY_ID: signing_key[1]})


@pytest.fixture
def certs_session(certs_adapter: CertsAdapter) -> Iterator[requests.Session]:
    """A real ``requests`` session whose only reachable URL is the fake certs endpoint."""
    session = requests.Session()
    session.mount("https://", certs_adapter)
    session.mount("http://", certs_adapter)
    yield session
    session.close()


@pytest.fixture
def mint_id_token(signing_key: tuple[bytes, str]) -> Callable[..., str]:
    """Make a real RS256 ID token; claims default to a valid, allowed, current one.

    Token times are relative to the real clock, because google-auth checks ``exp``
    against it.
    """
    # google-auth ships py.typed but leaves its signer and JWT encoder unannotated.
    key_pem = signing_key[0]
    signer = crypt.RSASigner.from_string(key_pem, key_id=KEY_ID)  # type: ignore[no-untyped-call]  # google-auth: unannotated

    def mint(**claims: Any) -> str:
        now = int(dt.datetime.now(dt.UTC).timestamp())
        payload = {
            "iss": "https://accounts.google.com",
            "aud": AUDIENCE,
            "sub": "1234567890",
            "email": ALLOWED_EMAIL,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        token: bytes = google_jwt.encode(signer, payload)  # type: ignore[no-untyped-call]  # google-auth: unannotated
        return token.decode()

    return mint


@pytest.fixture
def server_env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Environment variables the test app is built from (override to change them)."""
    return {
        "GBESS_DATA_DIR": str(data_dir),
        "GBESS_VAR_DIR": str(tmp_path / "var"),
        "GBESS_HMAC_SECRET": SECRET,
        "GBESS_OIDC_AUDIENCES": f"{AUDIENCE},https://gbess.test",
        "GBESS_ALLOWED_EMAILS": f"{ALLOWED_EMAIL},@trusted.example",
        # Some endpoint tests still sign with the deprecated v1 helper
        # (jobs.webhook_auth.sign_request); tests/server/test_signing_v2.py checks that
        # v1 is refused when this is not set.
        "GBESS_ALLOW_V1_SIGNATURES": "1",
    }


@pytest.fixture
def server_config(server_env: dict[str, str]) -> ServerConfig:
    return load_config(server_env)


@pytest.fixture
def app(server_config: ServerConfig, certs_session: requests.Session) -> Flask:
    """The real app, test config, clock fixed at ``NOW_S``, certificates served locally."""
    return create_app(server_config, clock=lambda: float(NOW_S), http_session=certs_session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(name="signed")
def signed_fixture() -> Callable[..., Any]:
    """The :func:`signed` helper, as a fixture."""
    return signed
