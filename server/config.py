"""The server's settings: read from the environment once, at start-up, and passed down.

``load_config(environ)`` is the only place the server reads environment variables. It
composes :class:`jobs.settings.Settings` (data directory, warehouse, dashboard backends)
with what only the HTTP face needs: the auth mode and its secrets, the body limit and
where to bind.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from flask.sansio.app import App

from engine.errors import ValidationError
from jobs.settings import Settings
from jobs.webhook_auth import secret_weakness

AUTH_MODES = ("both", "hmac", "oidc", "off")
DEFAULT_AUTH_MODE = "both"
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# A shorter or repetitive shared secret is guessable offline from one captured request;
# the rule (length, distinct characters, entropy) is jobs.webhook_auth.secret_weakness.
MIN_HMAC_SECRET_CHARS = 32
HMAC_WINDOW_S = 300
# The dashboard token is typed into a URL once: at least this long, 8 distinct characters.
MIN_DASHBOARD_TOKEN_CHARS = 16
MIN_DASHBOARD_TOKEN_DISTINCT = 8
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
# Heavy operations (valuations, refresh) in flight per worker; beyond it 429 + Retry-After.
# One: a second CPU-bound thread in a process doubles the GIL wait of its lookups
# (bench/mixed_load.py: lookup p99 2.4 s with two, 0.6 s with one; docs/security.md).
DEFAULT_HEAVY_PER_WORKER = 1
# Total time a client has to send its request line and headers, and the base for its body.
DEFAULT_READ_TIMEOUT_S = 10
# Environment variables that only exist on Google's serverless platforms: when present the
# process is reachable from outside whatever GBESS_HOST says.
_PLATFORM_MARKERS = ("K_SERVICE", "GAE_ENV", "GAE_SERVICE")


class ConfigError(ValidationError):
    """The server's environment is inconsistent; it refuses to start."""

    type_slug = "config-error"


@dataclass(frozen=True)
class ServerConfig:
    """Everything the HTTP face needs, fixed at start-up.

    Attributes:
        settings: Shared settings (data directory, warehouse and dashboard backends).
        auth_mode: ``both`` (HMAC and/or OIDC, whichever is configured), ``hmac``,
            ``oidc``, or ``off`` (loopback only) (``GBESS_AUTH``).
        hmac_secret: Shared secret for request signatures (``GBESS_HMAC_SECRET``); never
            logged or shown in ``repr``.
        oidc_audiences: Accepted ``aud`` claims of Google ID tokens, e.g. the Apps Script
            OAuth client id and the Cloud Run URL (``GBESS_OIDC_AUDIENCES``, comma list).
        allowed_emails: Identities allowed in with an ID token: exact emails (users or
            service accounts) or ``@domain`` for a whole domain (``GBESS_ALLOWED_EMAILS``).
        max_body_bytes: Largest accepted request body [bytes] (``GBESS_MAX_BODY_BYTES``).
        host: Address to bind (``GBESS_HOST``).
        port: Port to bind (``PORT``, as Cloud Run and App Engine set it).
        hmac_window_s: Largest accepted clock difference for signed requests [s].
        workers: gunicorn worker processes (``GBESS_WORKERS``).
        threads: gunicorn threads per worker (``GBESS_THREADS``).
        heavy_per_worker: Heavy requests (valuations, refresh) run at once per worker;
            more get 429 with ``Retry-After`` (``GBESS_HEAVY_PER_WORKER``).
        read_timeout_s: Time a client has to send its headers, and the base of the time
            for its body [s] (``GBESS_READ_TIMEOUT_S``).
        allow_v1_signatures: Accept the deprecated v1 signing scheme, with a warning
            (``GBESS_ALLOW_V1_SIGNATURES=1``).
    """

    settings: Settings = field(default_factory=Settings)
    auth_mode: str = DEFAULT_AUTH_MODE
    hmac_secret: str = field(default="", repr=False)
    oidc_audiences: tuple[str, ...] = ()
    allowed_emails: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    hmac_window_s: int = HMAC_WINDOW_S
    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    heavy_per_worker: int = DEFAULT_HEAVY_PER_WORKER
    read_timeout_s: int = DEFAULT_READ_TIMEOUT_S
    allow_v1_signatures: bool = False

    @property
    def hmac_enabled(self) -> bool:
        """Whether signed requests are accepted."""
        return self.auth_mode in {"both", "hmac"} and bool(self.hmac_secret)

    @property
    def oidc_enabled(self) -> bool:
        """Whether Google ID tokens are accepted."""
        return self.auth_mode in {"both", "oidc"} and bool(self.oidc_audiences)

    def __post_init__(self) -> None:
        _check_auth(self)
        if self.max_body_bytes < 1:
            raise ConfigError(
                f"GBESS_MAX_BODY_BYTES: must be a positive number of bytes, "
                f"got {self.max_body_bytes}",
                field="GBESS_MAX_BODY_BYTES",
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"PORT: expected 1-65535, got {self.port}", field="PORT")
        if not 1 <= self.read_timeout_s <= 300:
            raise ConfigError(
                f"GBESS_READ_TIMEOUT_S: expected 1-300 s, got {self.read_timeout_s}",
                field="GBESS_READ_TIMEOUT_S",
            )
        _check_dashboard_token(self.settings.extra.get("GBESS_DASHBOARD_TOKEN", ""))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1`` or ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _check_auth(config: ServerConfig) -> None:
    """Refuse configurations that would leave the server open or unusable."""
    mode = config.auth_mode
    if mode not in AUTH_MODES:
        raise ConfigError(
            f"GBESS_AUTH: expected one of {', '.join(AUTH_MODES)}, got {mode!r}",
            field="GBESS_AUTH",
        )
    if mode == "off":
        if not is_loopback(config.host):
            raise ConfigError(
                f"GBESS_AUTH=off is only allowed when binding to a loopback address; "
                f"GBESS_HOST is {config.host!r}. Set GBESS_HMAC_SECRET (and/or OIDC "
                f"settings) instead.",
                field="GBESS_AUTH",
            )
        return
    weakness = secret_weakness(config.hmac_secret) if config.hmac_secret else None
    if weakness:
        raise ConfigError(
            f"GBESS_HMAC_SECRET: {weakness} (make one with `gbess sign --new-secret` or "
            f"`openssl rand -hex 32`)",
            field="GBESS_HMAC_SECRET",
        )
    if bool(config.oidc_audiences) != bool(config.allowed_emails) and mode != "hmac":
        missing = "GBESS_ALLOWED_EMAILS" if config.oidc_audiences else "GBESS_OIDC_AUDIENCES"
        raise ConfigError(
            f"{missing}: OIDC needs both GBESS_OIDC_AUDIENCES and GBESS_ALLOWED_EMAILS",
            field=missing,
        )
    if mode == "hmac" and not config.hmac_secret:
        raise ConfigError(
            "GBESS_HMAC_SECRET: required when GBESS_AUTH=hmac", field="GBESS_HMAC_SECRET"
        )
    if mode == "oidc" and not config.oidc_audiences:
        raise ConfigError(
            "GBESS_OIDC_AUDIENCES: required when GBESS_AUTH=oidc", field="GBESS_OIDC_AUDIENCES"
        )
    if mode == "both" and not (config.hmac_secret or config.oidc_audiences):
        raise ConfigError(
            "GBESS_HMAC_SECRET: no authentication configured; set GBESS_HMAC_SECRET and/or "
            "GBESS_OIDC_AUDIENCES + GBESS_ALLOWED_EMAILS (or GBESS_AUTH=off on loopback "
            "for local development)",
            field="GBESS_HMAC_SECRET",
        )


def _check_dashboard_token(token: str) -> None:
    """Refuse a dashboard token that is short or repetitive (when one is set)."""
    token = token.strip()
    if not token:
        return
    if len(token) < MIN_DASHBOARD_TOKEN_CHARS or len(set(token)) < MIN_DASHBOARD_TOKEN_DISTINCT:
        raise ConfigError(
            f"GBESS_DASHBOARD_TOKEN: must be at least {MIN_DASHBOARD_TOKEN_CHARS} characters "
            f"with at least {MIN_DASHBOARD_TOKEN_DISTINCT} distinct ones (e.g. "
            f"`openssl rand -hex 16`)",
            field="GBESS_DASHBOARD_TOKEN",
        )


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no"}:
        return False
    if raw in {"1", "true", "yes"}:
        return True
    raise ConfigError(f"{name}: expected 1 or 0, got {raw!r}", field=name)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}", field=name) from None


def load_config(environ: Mapping[str, str]) -> ServerConfig:
    """Build the server configuration from environment variables (read once).

    Args:
        environ: The process environment (or a dict in tests).

    Raises:
        ConfigError: A value is malformed, or the auth settings would leave the server
            open (``GBESS_AUTH=off`` off loopback) or unusable (no method configured).
    """
    host = environ.get("GBESS_HOST", "").strip() or DEFAULT_HOST
    auth_mode = environ.get("GBESS_AUTH", "").strip().lower() or DEFAULT_AUTH_MODE
    if auth_mode == "off" and any(environ.get(marker) for marker in _PLATFORM_MARKERS):
        raise ConfigError(
            "GBESS_AUTH=off is refused on Cloud Run / App Engine (the service is public)",
            field="GBESS_AUTH",
        )
    return ServerConfig(
        settings=Settings.from_env(environ),
        auth_mode=auth_mode,
        hmac_secret=environ.get("GBESS_HMAC_SECRET", "").strip(),
        oidc_audiences=_csv(environ.get("GBESS_OIDC_AUDIENCES", "")),
        allowed_emails=tuple(e.lower() for e in _csv(environ.get("GBESS_ALLOWED_EMAILS", ""))),
        max_body_bytes=_int(environ, "GBESS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        host=host,
        port=_int(environ, "PORT", DEFAULT_PORT),
        workers=max(1, _int(environ, "GBESS_WORKERS", DEFAULT_WORKERS)),
        threads=max(1, _int(environ, "GBESS_THREADS", DEFAULT_THREADS)),
        heavy_per_worker=max(1, _int(environ, "GBESS_HEAVY_PER_WORKER", DEFAULT_HEAVY_PER_WORKER)),
        read_timeout_s=_int(environ, "GBESS_READ_TIMEOUT_S", DEFAULT_READ_TIMEOUT_S),
        allow_v1_signatures=_flag(environ, "GBESS_ALLOW_V1_SIGNATURES"),
    )


#: Key of the config in ``app.extensions`` (set by :func:`server.app.create_app`).
_EXTENSION = "gbess_config"


def attach_config(app: App, config: ServerConfig) -> None:
    """Make ``config`` the one the app's views read (through :func:`server_config`)."""
    app.extensions[_EXTENSION] = config


def server_config(app: App | None = None) -> ServerConfig:
    """The running app's config (``app``, else the app of the current request or setup)."""
    config: ServerConfig = (app or current_app).extensions[_EXTENSION]
    return config
