"""Issue 19 defects 1 and 5 over HTTP: a busy warehouse is 503 + Retry-After, a read-only
``GBESS_VAR_DIR`` is 503 naming the setting; never 404, 500, a path or a PID."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed
from server.app import create_app
from server.config import load_config
from tests.read_only_fs import make_read_only
from tests.server.conftest import NOW_S, signed

REPO = Path(__file__).resolve().parents[2]
VALUATION = {"from": "2024-06-01", "to": "2024-06-02", "power_mw": 1, "energy_mwh": 2}
LEAK = re.compile(r"(/[\w.-]+/[\w./-]+|python\d|\bPID\b|\bpid\b|\.duckdb)")
# Holds the DuckDB file read-write in another process (as any writer outside our lock
# would) until its stdin closes.
_HOLDER = (
    "import sys, duckdb\n"
    "c = duckdb.connect(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.fixture(scope="module")
def seeded_var(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A var/ whose warehouse holds the shipped files (seeded once for the module)."""
    var = tmp_path_factory.mktemp("seeded") / "var"
    with open_warehouse(Settings(data_dir=data_dir, duckdb_path=var / "gbess.duckdb")) as wh:
        seed(wh, Settings(data_dir=data_dir))
    return var


@pytest.fixture
def var_copy(seeded_var: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(seeded_var, tmp_path / "var"))


def _client(
    server_env: dict[str, str], certs_session: requests.Session, var: Path, **extra: str
) -> FlaskClient:
    env = server_env | {"GBESS_VAR_DIR": str(var)} | extra
    app = create_app(load_config(env), clock=lambda: float(NOW_S), http_session=certs_session)
    return app.test_client()


def _assert_no_leak(body: dict[str, Any], *paths: Path) -> None:
    text = str({k: v for k, v in body.items() if k != "instance"})  # the request path
    for path in paths:
        assert str(path) not in text
    assert not LEAK.search(text), text


@pytest.fixture
def held_by_a_writer(var_copy: Path) -> Iterator[Path]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(var_copy / "gbess.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield var_copy
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_a_warehouse_held_by_a_writer_is_503_with_retry_after(
    server_env: dict[str, str], certs_session: requests.Session, held_by_a_writer: Path
) -> None:
    # Was 404 data-missing whose detail named the file, the interpreter and the PID.
    client = _client(
        server_env, certs_session, held_by_a_writer, GBESS_WAREHOUSE_LOCK_TIMEOUT_S="0"
    )
    response = signed(client, "POST", "/v1/bess/revenue", json=VALUATION)
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] == "2"
    problem = response.get_json()
    assert problem["type"] == "urn:gbess:problem:warehouse-busy"
    assert problem["retry_after_s"] == 2
    _assert_no_leak(problem, held_by_a_writer)


def test_the_same_request_answers_once_the_writer_has_gone(
    server_env: dict[str, str], certs_session: requests.Session, var_copy: Path
) -> None:
    client = _client(server_env, certs_session, var_copy, GBESS_WAREHOUSE_LOCK_TIMEOUT_S="0")
    response = signed(client, "POST", "/v1/bess/revenue", json=VALUATION)
    assert response.status_code == 200, response.get_json()


def test_a_read_only_var_still_serves_valuations_of_a_seeded_warehouse(
    server_env: dict[str, str],
    certs_session: requests.Session,
    var_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_read_only(monkeypatch, var_copy)
    client = _client(server_env, certs_session, var_copy)
    response = signed(client, "POST", "/v1/bess/revenue", json=VALUATION)
    assert response.status_code == 200, response.get_json()


def test_a_read_only_var_without_a_warehouse_is_503_naming_the_setting(
    server_env: dict[str, str],
    certs_session: requests.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was 404 "Permission denied" with the path.
    var = tmp_path / "var"
    var.mkdir()
    make_read_only(monkeypatch, var)
    client = _client(server_env, certs_session, var)
    response = signed(client, "POST", "/v1/bess/revenue", json=VALUATION)
    assert response.status_code == 503, response.get_json()
    problem = response.get_json()
    assert problem["type"] == "urn:gbess:problem:storage-unavailable"
    assert "GBESS_VAR_DIR" in problem["detail"]
    assert "Retry-After" not in response.headers  # retrying does not mend a read-only disk
    _assert_no_leak(problem, var)


def test_a_refresh_into_a_read_only_var_is_503_naming_the_setting(
    server_env: dict[str, str],
    certs_session: requests.Session,
    var_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was a 500 from an unhandled PermissionError.
    make_read_only(monkeypatch, var_copy)
    client = _client(server_env, certs_session, var_copy)
    response = signed(client, "POST", "/v1/jobs/refresh", json={"tabs": ["DUoS"]})
    assert response.status_code == 503, response.get_json()
    problem = response.get_json()
    assert "GBESS_VAR_DIR" in problem["detail"]
    _assert_no_leak(problem, var_copy)


def test_health_names_a_read_only_var(
    server_env: dict[str, str],
    certs_session: requests.Session,
    var_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was "ok".
    make_read_only(monkeypatch, var_copy)
    client = _client(
        server_env, certs_session, var_copy, GBESS_DUCKDB_PATH=str(var_copy / "gbess.duckdb")
    )
    response = client.get("/health")
    body = response.get_json()
    problems = {(p["name"], p["check"]) for p in body["problems"]}
    assert ("var_dir", "not-writable") in problems, body
    assert body["status"] == "degraded"
    _assert_no_leak(body, var_copy)
