"""Who may call the webhook: HMAC-signed requests and Google OIDC ID tokens.

Every route needs one of them except views marked :func:`public` (``/health``,
``/v1/openapi.json``):

* **HMAC** (custom functions, scripts, Cloud Scheduler with a shared secret): scheme v2 in
  :mod:`jobs.webhook_auth` (method, path, query, timestamp, nonce and body digest signed;
  each signature usable once within the window, per worker process). The deprecated v1
  is accepted only with ``GBESS_ALLOW_V1_SIGNATURES=1``, with a warning in the log.
* **OIDC** (the add-on's ``ScriptApp.getIdentityToken()``, Cloud Scheduler's OIDC token):
  ``Authorization: Bearer <Google ID token>`` verified by google-auth against the configured
  audiences, then the verified ``email`` must be on the allow-list (an ``@domain`` entry
  also needs the token's ``hd`` claim to be that domain).

Credentials are checked from the headers alone, before a byte of the body is read, so a
client without them cannot hold a thread by sending its body slowly; once they pass, the
body gets a bounded time to arrive (:func:`server.serving.extend_read_deadline`) or 408.

Missing or invalid credentials → 401 with ``WWW-Authenticate``; a valid identity that is
not allowed → 403. ``GBESS_AUTH=off`` (loopback binds only) lets loopback callers in.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from flask import Flask, current_app, g, request
from google.auth import exceptions as google_exceptions
from google.auth.transport import Response as TransportResponse
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import id_token
from werkzeug.exceptions import ClientDisconnected

from jobs.webhook_auth import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    V2_PREFIX,
    ReplayCache,
    SignatureError,
    check_body_digest,
    check_timestamp,
    check_v1_signature_format,
    check_v2_headers,
    verify_signature,
)
from server.config import ServerConfig, is_loopback
from server.errors import ProblemError
from server.serving import RequestReadTimeout, extend_read_deadline, read_deadline_passed
from server.validation import read_body

logger = logging.getLogger("gbess.server.auth")

# Google's ID-token signing certificates change every few days and are published with a
# Cache-Control max-age of hours; fetching them on every request would add a round trip.
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
DEFAULT_CERTS_TTL_S = 300.0
MAX_CERTS_TTL_S = 86_400.0
# Leeway for iat/exp between Google's clock and ours [s].
TOKEN_CLOCK_SKEW_S = 10
# Longest credential header values looked at (an ID token is ~1 KiB) [characters].
MAX_AUTHORIZATION_CHARS = 4096
# What an invalid ID token's 401 says: a fixed phrase per failure, never google-auth's own
# message (it lists the configured audiences).
_TOKEN_FAILURES = (
    ("audience", "wrong audience"),
    ("expired", "expired"),
    ("too early", "used too early"),
    ("issuer", "wrong issuer"),
    ("signature", "bad signature"),
    ("certificate", "bad signature"),
)
_MAX_AGE = re.compile(r"max-age=(\d+)")

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as reachable without authentication (``/health``, static assets)."""
    view.gbess_public = True  # type: ignore[attr-defined]  # a marker attribute on the view function
    return view


@dataclass(frozen=True)
class Identity:
    """The authenticated caller, kept on ``flask.g.identity`` and logged.

    Attributes:
        method: ``hmac``, ``oidc`` or ``off``.
        subject: The verified email for OIDC; ``hmac`` / ``anonymous`` otherwise.
    """

    method: str
    subject: str


class CachingCertsRequest:
    """A google-auth transport that caches GET responses for their ``max-age``.

    Wraps :class:`google.auth.transport.requests.Request`; only the certificate fetches of
    ID-token verification go through it.

    Args:
        session: The ``requests`` session to fetch with (tests inject one whose adapter
            serves throwaway certificates).
        clock: Returns the current Unix time [s].
    """

    def __init__(self, session: requests.Session, clock: Callable[[], float]) -> None:
        self._inner = GoogleRequest(session=session)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, TransportResponse]] = {}

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> TransportResponse:
        """Answer from the cache while fresh; otherwise fetch (10 s timeout) and cache."""
        if method != "GET" or body is not None:
            passed: TransportResponse = self._inner(
                url, method=method, body=body, headers=headers, timeout=timeout or 10, **kwargs
            )
            return passed
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
        if hit is not None and hit[0] > now:
            return hit[1]
        response: TransportResponse = self._inner(
            url, method="GET", headers=headers, timeout=timeout or 10
        )
        if response.status == 200:
            with self._lock:
                self._cache[url] = (now + _ttl_s(response.headers), response)
        return response


def _ttl_s(headers: Mapping[str, str]) -> float:
    match = _MAX_AGE.search(str(headers.get("cache-control") or headers.get("Cache-Control")))
    if not match:
        return DEFAULT_CERTS_TTL_S
    return min(float(match.group(1)), MAX_CERTS_TTL_S)


class Authenticator:
    """Checks each request against the configured methods.

    Args:
        config: Server configuration (mode, secret, audiences, allow-list).
        clock: Returns the current Unix time [s]; tests pass a fixed clock.
        http_session: Session used to fetch Google's certificates.
    """

    def __init__(
        self,
        config: ServerConfig,
        *,
        clock: Callable[[], float],
        http_session: requests.Session | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.replays = ReplayCache(config.hmac_window_s)
        self._v1_warned = False
        self.certs_request = CachingCertsRequest(http_session or requests.Session(), clock)
        exact = {e for e in config.allowed_emails if not e.startswith("@")}
        self._allowed_exact = frozenset(exact)
        self._allowed_domains = tuple(e for e in config.allowed_emails if e.startswith("@"))

    def challenge(self, error: str | None = None) -> dict[str, str]:
        """The ``WWW-Authenticate`` header naming the schemes this server accepts."""
        schemes = []
        if self.config.oidc_enabled:
            bearer = 'Bearer realm="gbess"'
            if error:
                bearer += f', error="{error}"'
            schemes.append(bearer)
        if self.config.hmac_enabled:
            schemes.append('Gbess-HMAC-SHA256 realm="gbess"')
        return {"WWW-Authenticate": ", ".join(schemes) or 'Bearer realm="gbess"'}

    def unauthorized(self, detail: str, *, field: str, error: str | None = None) -> ProblemError:
        """A 401 problem with the challenge header."""
        return ProblemError(401, detail, field=field, headers=self.challenge(error))

    def authenticate(self) -> Identity:
        """Identify the caller of the current request or raise a 401/403 problem."""
        if self.config.auth_mode == "off":
            remote = request.remote_addr or ""
            if not is_loopback(remote):
                raise ProblemError(403, "authentication is off: only loopback callers allowed")
            return Identity("off", "anonymous")
        authorization = request.headers.get("Authorization", "")
        if authorization and self.config.oidc_enabled:
            return self._oidc(authorization)
        has_hmac = TIMESTAMP_HEADER in request.headers or SIGNATURE_HEADER in request.headers
        if has_hmac and self.config.hmac_enabled:
            return self._hmac()
        if authorization:
            raise self.unauthorized(
                "Bearer tokens are not accepted by this server; sign the request",
                field="Authorization",
            )
        expected = " or ".join(
            name
            for name, on in (
                ("Authorization: Bearer <Google ID token>", self.config.oidc_enabled),
                (f"{TIMESTAMP_HEADER} + {SIGNATURE_HEADER}", self.config.hmac_enabled),
            )
            if on
        )
        raise self.unauthorized(f"authentication required: send {expected}", field="headers")

    def _hmac(self) -> Identity:
        """Check a signed request: headers first, then (bounded in time) the body."""
        try:
            # Cheap checks first, from the headers alone: a stale, malformed or missing
            # timestamp or a missing signature never makes the server read a body.
            check_timestamp(
                request.headers.get(TIMESTAMP_HEADER),
                now_s=self.clock(),
                window_s=self.config.hmac_window_s,
            )
            given = (request.headers.get(SIGNATURE_HEADER) or "").strip()
            if not given:
                raise SignatureError(f"missing header {SIGNATURE_HEADER}")
            if given.startswith(V2_PREFIX):
                self._hmac_v2()
            else:
                self._hmac_v1()
        except SignatureError as exc:
            raise self.unauthorized(str(exc), field=exc.header) from None
        return Identity("hmac", "hmac")

    def _hmac_v2(self) -> None:
        now_s = self.clock()
        checked = check_v2_headers(
            self.config.hmac_secret,
            request.headers.get,
            request.method,
            request.path,
            request.query_string.decode("latin-1"),
            now_s=now_s,
            window_s=self.config.hmac_window_s,
        )
        if not self.replays.first_use(checked.signature, checked.timestamp_s, now_s=now_s):
            raise SignatureError(
                f"{SIGNATURE_HEADER} was already used: sign every request afresh (new nonce)"
            )
        check_body_digest(checked, self.read_body_within_deadline())

    def _hmac_v1(self) -> None:
        if not self.config.allow_v1_signatures:
            raise SignatureError(
                f"{SIGNATURE_HEADER}: v1 signatures are no longer accepted; sign with v2 "
                f"(docs/security.md, `gbess sign`)"
            )
        if not self._v1_warned:
            self._v1_warned = True
            logger.warning(
                "GBESS_ALLOW_V1_SIGNATURES=1: accepting deprecated v1 signatures (not bound "
                "to method, path or query); move clients to v2 and unset it"
            )
        now_s = self.clock()
        timestamp_s = check_timestamp(
            request.headers.get(TIMESTAMP_HEADER), now_s=now_s, window_s=self.config.hmac_window_s
        )
        given = check_v1_signature_format(request.headers.get(SIGNATURE_HEADER))
        verify_signature(
            self.config.hmac_secret,
            str(timestamp_s),
            given,
            self.read_body_within_deadline(),
            now_s=now_s,
            window_s=self.config.hmac_window_s,
        )
        if not self.replays.first_use(given, timestamp_s, now_s=now_s):
            raise SignatureError(f"{SIGNATURE_HEADER} was already used: sign every request afresh")

    def read_body_within_deadline(self) -> bytes:
        """The body, given a bounded time to arrive (408 when it does not)."""
        extend_read_deadline(request.content_length, self.config.read_timeout_s)
        try:
            return read_body()
        except (RequestReadTimeout, ClientDisconnected):
            # Werkzeug reports a failed read of the body as a disconnect; it was the
            # deadline when that has passed.
            if not read_deadline_passed():
                raise
            raise ProblemError(
                408,
                f"the request body did not arrive within the read deadline "
                f"({self.config.read_timeout_s} s plus 1 s per 100 kB)",
                slug="request-timeout",
                field="body",
            ) from None

    def _oidc(self, authorization: str) -> Identity:
        if len(authorization) > MAX_AUTHORIZATION_CHARS:
            raise self.unauthorized(
                f"Authorization is longer than {MAX_AUTHORIZATION_CHARS} characters",
                field="Authorization",
                error="invalid_token",
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self.unauthorized(
                "Authorization must be 'Bearer <Google ID token>'",
                field="Authorization",
                error="invalid_request",
            )
        try:
            claims = id_token.verify_oauth2_token(  # type: ignore[no-untyped-call]  # google-auth: unannotated
                token.strip(),
                self.certs_request,
                audience=list(self.config.oidc_audiences),
                clock_skew_in_seconds=TOKEN_CLOCK_SKEW_S,
            )
        except google_exceptions.TransportError:
            logger.error("could not fetch Google ID-token certificates")
            raise ProblemError(
                502,
                "could not fetch Google's token certificates; retry",
                slug="source-unavailable",
            ) from None
        except (ValueError, google_exceptions.GoogleAuthError) as exc:
            # google-auth's messages say what failed (expired, audience, issuer, signature)
            # but also list the audiences this server accepts: say only which check failed.
            raise self.unauthorized(
                f"invalid ID token: {_token_failure(str(exc))}",
                field="Authorization",
                error="invalid_token",
            ) from None
        address = str(claims.get("email") or "").lower()
        if not address or claims.get("email_verified") is not True:
            raise ProblemError(
                403,
                "the ID token carries no verified email (request the 'email' scope)",
                field="Authorization",
            )
        if not self.email_allowed(address, hosted_domain=claims.get("hd")):
            raise ProblemError(
                403, f"{address} is not allowed to use this service", field="Authorization"
            )
        return Identity("oidc", address)

    def email_allowed(self, address: str, *, hosted_domain: Any = None) -> bool:
        """Whether a verified email is on the allow-list.

        An exact entry matches the email. An ``@domain`` entry matches an email in that
        domain only when the token's ``hd`` (Google Workspace hosted domain) claim is that
        domain too: a consumer Google account can carry a verified email at a domain its
        owner does not run, and then has no ``hd``.
        """
        address = address.lower()
        if address in self._allowed_exact:
            return True
        domain = address.rpartition("@")[2]
        hd = str(hosted_domain or "").lower()
        return bool(hd) and hd == domain and any(domain == e[1:] for e in self._allowed_domains)


def _token_failure(message: str) -> str:
    """A fixed phrase naming the failed check of an ID token (never google-auth's text)."""
    lowered = message.lower()
    for needle, phrase in _TOKEN_FAILURES:
        if needle in lowered:
            return phrase
    return "could not be verified"


def install_auth(app: Flask, authenticator: Authenticator) -> None:
    """Require authentication on every endpoint not marked :func:`public`."""
    app.extensions["gbess_auth"] = authenticator

    @app.before_request
    def _authenticate() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "gbess_public", False):
            return
        g.identity = authenticator.authenticate()
        if g.identity.method != "hmac" and (
            request.content_length or request.headers.get("Transfer-Encoding")
        ):
            # Token and loopback callers: the body gets the same bounded time (408).
            authenticator.read_body_within_deadline()
