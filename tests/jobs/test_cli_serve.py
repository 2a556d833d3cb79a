"""``gbess serve``: the gunicorn command it builds, and a real ``--check`` run."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs.cli import build_parser, main
from jobs.cli.serve import GUNICORN_CONFIG, WSGI_APP, serve_command
from tests.server.live import REPO, free_port, live_server

SECRET = "0123456789abcdef" * 2


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
    monkeypatch.setenv("GBESS_HMAC_SECRET", SECRET)
    monkeypatch.delenv("GBESS_AUTH", raising=False)
    assert main(["serve", "--check"]) == 0


@pytest.mark.slow
def test_check_refuses_auth_off_on_public_host(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_AUTH", "off")
    assert main(["serve", "--check", "--host", "0.0.0.0"]) == 2
    assert "loopback" in capfd.readouterr().err


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not serving either.
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


@pytest.mark.slow
def test_sigterm_to_gbess_serve_stops_the_gunicorn_master(data_dir: Path, tmp_path: Path) -> None:
    env = {"GBESS_DATA_DIR": str(data_dir), "GBESS_VAR_DIR": str(tmp_path / "var")}
    env |= {"GBESS_HMAC_SECRET": SECRET, "GBESS_WORKERS": "1", "GBESS_THREADS": "1"}
    with live_server(env, tmp_path) as server:
        masters = _children(server.process.pid)
        assert len(masters) == 1  # gbess serve → the gunicorn master
        master = masters[0]
        server.process.send_signal(signal.SIGTERM)  # to gbess serve only, not its group
        assert server.process.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while _alive(master) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(master), "the gunicorn master outlived gbess serve"
        with pytest.raises(ConnectionRefusedError):
            server.get("/health/live", timeout_s=2.0)


@pytest.mark.slow
def test_gunicorn_cmd_args_cannot_bind_publicly_with_auth_off(
    data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GBESS_DATA_DIR": str(data_dir),
        "GBESS_VAR_DIR": str(tmp_path / "var"),
        "GBESS_AUTH": "off",
        "GUNICORN_CMD_ARGS": f"--bind 0.0.0.0:{port}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"refusing 0.0.0.0:{port}" in done.stderr
