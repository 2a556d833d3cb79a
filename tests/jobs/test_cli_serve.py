"""``gbess serve``: the gunicorn command it builds, and a real ``--check`` run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from jobs.cli import build_parser, main
from jobs.cli.serve import GUNICORN_CONFIG, WSGI_APP, serve_command


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_command_runs_gunicorn_with_the_shared_config() -> None:
    command, env = serve_command(_args(), {"PATH": "/bin"})
    assert command == [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG, WSGI_APP]
    assert env == {"PATH": "/bin"}  # nothing overridden: config.py defaults apply


def test_flags_override_the_environment() -> None:
    command, env = serve_command(
        _args("--host", "0.0.0.0", "--port", "9000", "--workers", "1", "--threads", "2"),
        {"PORT": "8080", "GBESS_HOST": "127.0.0.1"},
    )
    assert env == {
        "PORT": "9000",
        "GBESS_HOST": "0.0.0.0",
        "GBESS_WORKERS": "1",
        "GBESS_THREADS": "2",
    }
    assert "--check-config" not in command


def test_server_module_paths_exist() -> None:
    # The strings name real modules; jobs must not import server to check them.
    root = Path(__file__).resolve().parents[2]
    assert (root / "server" / "gunicorn_conf.py").is_file()
    assert GUNICORN_CONFIG == "python:server.gunicorn_conf"
    assert WSGI_APP == "server.app:create_app()"


@pytest.mark.slow
def test_check_loads_config_and_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBESS_HMAC_SECRET", "c" * 32)
    monkeypatch.delenv("GBESS_AUTH", raising=False)
    assert main(["serve", "--check"]) == 0


@pytest.mark.slow
def test_check_refuses_auth_off_on_public_host(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_AUTH", "off")
    assert main(["serve", "--check", "--host", "0.0.0.0"]) == 2
    assert "loopback" in capfd.readouterr().err
