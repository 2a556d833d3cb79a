"""Server configuration: read once from an environment mapping; unsafe setups refused."""

from __future__ import annotations

import pytest

from server.config import DEFAULT_MAX_BODY_BYTES, ConfigError, is_loopback, load_config

SECRET = "0123456789abcdef" * 2  # 32 characters, 16 distinct: strong enough


def test_defaults_with_a_secret() -> None:
    config = load_config({"GBESS_HMAC_SECRET": SECRET})
    assert config.auth_mode == "both"
    assert config.hmac_enabled
    assert not config.oidc_enabled
    assert config.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 5 * 1024 * 1024
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert (config.workers, config.threads, config.heavy_per_worker) == (2, 8, 1)
    assert (config.read_timeout_s, config.allow_v1_signatures) == (10, False)
    assert SECRET not in repr(config)


def test_strong_secrets_and_tokens_pass() -> None:
    config = load_config(
        {
            "GBESS_HMAC_SECRET": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "GBESS_DASHBOARD_TOKEN": "3q2+7wAAAAAa1b2c",
            "GBESS_ALLOW_V1_SIGNATURES": "1",
            "GBESS_HEAVY_PER_WORKER": "3",
        }
    )
    assert config.allow_v1_signatures
    assert config.heavy_per_worker == 3


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
        ({"GBESS_HMAC_SECRET": "a" * 32}, "GBESS_HMAC_SECRET"),  # one repeated letter
        ({"GBESS_HMAC_SECRET": "abcd" * 16}, "GBESS_HMAC_SECRET"),  # 4 distinct characters
        ({"GBESS_HMAC_SECRET": SECRET, "GBESS_DASHBOARD_TOKEN": "x"}, "GBESS_DASHBOARD_TOKEN"),
        (
            {"GBESS_HMAC_SECRET": SECRET, "GBESS_DASHBOARD_TOKEN": "ab" * 10},
            "GBESS_DASHBOARD_TOKEN",
        ),
        (
            {"GBESS_HMAC_SECRET": SECRET, "GBESS_ALLOW_V1_SIGNATURES": "maybe"},
            "GBESS_ALLOW_V1_SIGNATURES",
        ),
        ({"GBESS_HMAC_SECRET": SECRET, "GBESS_READ_TIMEOUT_S": "0"}, "GBESS_READ_TIMEOUT_S"),
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
