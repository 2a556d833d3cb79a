"""gunicorn settings: bind and sizes from the server config; unsafe setups stop the master."""

from __future__ import annotations

import runpy
from typing import Any

import pytest

SECRET = "g" * 32


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("GBESS_HOST", "PORT", "GBESS_AUTH", "GBESS_WORKERS", "GBESS_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("server.gunicorn_conf")


def test_defaults_bind_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, GBESS_HMAC_SECRET=SECRET)
    assert conf["bind"] == ["127.0.0.1:8080"]
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2, 4, "gthread")
    assert conf["timeout"] == 0
    assert conf["accesslog"] is None


def test_port_host_and_sizes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(
        monkeypatch,
        GBESS_HMAC_SECRET=SECRET,
        GBESS_HOST="0.0.0.0",
        PORT="9090",
        GBESS_WORKERS="3",
        GBESS_THREADS="1",
    )
    assert conf["bind"] == ["0.0.0.0:9090"]
    assert (conf["workers"], conf["threads"]) == (3, 1)


def test_ipv6_host_is_bracketed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load(monkeypatch, GBESS_AUTH="off", GBESS_HOST="::1")["bind"] == ["[::1]:8080"]


def test_auth_off_on_public_address_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        _load(monkeypatch, GBESS_AUTH="off", GBESS_HOST="0.0.0.0")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "loopback" in err
