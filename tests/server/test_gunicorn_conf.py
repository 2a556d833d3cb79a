"""gunicorn settings: bind and sizes from the server config; unsafe setups stop the master."""

from __future__ import annotations

import runpy
from typing import Any

import pytest

SECRET = "0123456789abcdef" * 2


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in (
        "GBESS_HOST",
        "PORT",
        "GBESS_AUTH",
        "GBESS_WORKERS",
        "GBESS_THREADS",
        "GBESS_READ_TIMEOUT_S",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("server.gunicorn_conf")


def test_defaults_bind_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, GBESS_HMAC_SECRET=SECRET)
    assert conf["bind"] == ["127.0.0.1:8080"]
    assert (conf["workers"], conf["threads"]) == (2, 8)
    assert conf["worker_class"] == "server.serving.GbessThreadWorker"
    # A heartbeat timeout, not 0 (which disabled it); header limits set, 8 KiB per header.
    assert conf["timeout"] == 120
    assert (conf["limit_request_fields"], conf["limit_request_field_size"]) == (50, 8190)
    assert conf["accesslog"] is None


class _Cfg:
    def __init__(self, *bind: str) -> None:
        self.bind = list(bind)


class _Arbiter:
    def __init__(self, *bind: str) -> None:
        self.cfg = _Cfg(*bind)


def test_unsafe_binds(monkeypatch: pytest.MonkeyPatch) -> None:
    unsafe_binds = _load(monkeypatch, GBESS_HMAC_SECRET=SECRET)["unsafe_binds"]
    binds = ["127.0.0.1:8080", "[::1]:80", "localhost:1", "unix:/tmp/s", "0.0.0.0:80", "[::]:80"]
    assert unsafe_binds(binds) == ["0.0.0.0:80", "[::]:80"]


def test_on_starting_refuses_a_public_bind_when_auth_is_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = _load(monkeypatch, GBESS_AUTH="off")
    conf["on_starting"](_Arbiter("127.0.0.1:8080"))
    with pytest.raises(SystemExit) as exc:
        conf["on_starting"](_Arbiter("127.0.0.1:8080", "0.0.0.0:9000"))
    assert exc.value.code == 2
    assert "0.0.0.0:9000" in capsys.readouterr().err


def test_on_starting_allows_public_binds_with_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _load(monkeypatch, GBESS_HMAC_SECRET=SECRET)
    conf["on_starting"](_Arbiter("0.0.0.0:8080"))
