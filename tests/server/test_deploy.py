"""Deployment files: app.yaml and the Dockerfile name the gunicorn entry point that exists."""

from __future__ import annotations

import importlib
import importlib.util
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.config import load_config

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_ARGS = ["--config", "python:server.gunicorn_conf", "server.app:create_app()"]


@pytest.fixture(scope="module")
def app_yaml() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "app.yaml").read_text())
    return document


def _check_entrypoint(argv: list[str]) -> None:
    assert argv[0] == "gunicorn"
    assert argv[1:] == GUNICORN_ARGS
    # find_spec locates the config module without running it (it reads the environment).
    assert importlib.util.find_spec(argv[2].removeprefix("python:")) is not None
    module_name, _, call = argv[3].partition(":")
    assert callable(getattr(importlib.import_module(module_name), call.removesuffix("()")))


def test_app_yaml_runtime_and_entrypoint(app_yaml: dict[str, Any]) -> None:
    assert app_yaml["runtime"] == "python312"
    _check_entrypoint(shlex.split(app_yaml["entrypoint"]))


def test_app_yaml_holds_no_secret(app_yaml: dict[str, Any]) -> None:
    env = app_yaml["env_variables"]
    assert "GBESS_HMAC_SECRET" not in env
    assert env["GBESS_AUTH"] != "off"
    assert all(isinstance(v, str) for v in env.values())


def test_app_yaml_environment_starts_once_oidc_is_filled_in(app_yaml: dict[str, Any]) -> None:
    env = dict(app_yaml["env_variables"]) | {
        "GBESS_OIDC_AUDIENCES": "1-abc.apps.googleusercontent.com",
        "GBESS_ALLOWED_EMAILS": "a@example.com",
        "GAE_ENV": "standard",
    }
    config = load_config(env)
    assert config.oidc_enabled
    assert config.host == "0.0.0.0"


def test_dockerfile_slim_non_root_gunicorn_on_port() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    user = next(line for line in lines if line.startswith("USER "))
    assert user.split()[1] not in {"root", "0"}
    cmd = next(line for line in lines if line.startswith("CMD "))
    _check_entrypoint(yaml.safe_load(cmd.removeprefix("CMD ")))
    assert "GBESS_HOST=0.0.0.0" in " ".join(lines)
    # The image installs the pinned runtime set and nothing from the dev set.
    assert "RUN pip install -r requirements.txt" in lines


def test_dockerignore_keeps_state_and_secrets_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "tests", "secret_env.yaml"} <= ignored


def test_docker_image_compiles_the_kernels_before_dropping_root() -> None:
    # numba caches machine code beside the installed modules; only the build (as root) can
    # write there, so the warm-up must run before USER, or every new instance recompiles.
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    warm = next(i for i, line in enumerate(lines) if "warm_up()" in line)
    user = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    assert warm < user
