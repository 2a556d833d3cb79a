"""Server configuration: read once from an environment mapping; unsafe setups refused."""

from __future__ import annotations

import pytest

from server.config import DEFAULT_MAX_BODY_BYTES, ConfigError, is_loopback, load_config

SECRET = "s" * 32


def test_defaults_with_a_secret() -> None:
    config = load_config({"GBESS_HMAC_SECRET": SECRET})
    assert config.auth_mode == "both"
    assert config.hmac_enabled
    assert not config.oidc_enabled
    assert config.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 5 * 1024 * 1024
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert SECRET not in repr(config)


def test_lists_are_split_trimmed_and_emails_lowercased() -> None:
    config = load_config(
        {
            "GBESS_OIDC_AUDIENCES": " 123-abc.apps.googleusercontent.com , https://x.run.app,",
            "GBESS_ALLOWED_EMAILS": "Analyst@Example.com, @trusted.example",
            "PORT": "9000",
            "GBESS_MAX_BODY_BYTES": "1024",
        }
    )
    assert config.oidc_audiences == ("123-abc.apps.googleusercontent.com", "https://x.run.app")
    assert config.allowed_emails == ("analyst@example.com", "@trusted.example")
    assert config.oidc_enabled
    assert not config.hmac_enabled
    assert (config.port, config.max_body_bytes) == (9000, 1024)


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({}, "GBESS_HMAC_SECRET"),  # nothing configured
        ({"GBESS_HMAC_SECRET": "short"}, "GBESS_HMAC_SECRET"),
        ({"GBESS_AUTH": "hmac"}, "GBESS_HMAC_SECRET"),
        ({"GBESS_AUTH": "oidc", "GBESS_HMAC_SECRET": SECRET}, "GBESS_OIDC_AUDIENCES"),
        ({"GBESS_OIDC_AUDIENCES": "aud"}, "GBESS_ALLOWED_EMAILS"),
        ({"GBESS_ALLOWED_EMAILS": "a@b.c"}, "GBESS_OIDC_AUDIENCES"),
        ({"GBESS_AUTH": "maybe"}, "GBESS_AUTH"),
        ({"GBESS_AUTH": "off", "GBESS_HOST": "0.0.0.0"}, "GBESS_AUTH"),
        ({"GBESS_AUTH": "off", "GBESS_HOST": "10.1.2.3"}, "GBESS_AUTH"),
        ({"GBESS_AUTH": "off", "K_SERVICE": "gbess"}, "GBESS_AUTH"),
        ({"GBESS_HMAC_SECRET": SECRET, "PORT": "http"}, "PORT"),
        ({"GBESS_HMAC_SECRET": SECRET, "PORT": "70000"}, "PORT"),
        ({"GBESS_HMAC_SECRET": SECRET, "GBESS_MAX_BODY_BYTES": "0"}, "GBESS_MAX_BODY_BYTES"),
    ],
)
def test_refused_configurations(env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(env)
    assert exc.value.field == field
    assert field in exc.value.detail


def test_auth_off_on_loopback_is_accepted() -> None:
    assert load_config({"GBESS_AUTH": "off"}).auth_mode == "off"
    assert load_config({"GBESS_AUTH": "OFF", "GBESS_HOST": "::1"}).auth_mode == "off"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.2", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
