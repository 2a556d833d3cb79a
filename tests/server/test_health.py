"""/health tells the truth (200 ok or 503 naming each problem); /health/live stays cheap.

Real parts throughout: the Flask test client, DuckDB files, and a data directory made of
links to the shipped files with one left out.
"""

from __future__ import annotations

import json
import logging
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from server.app import create_app
from server.config import load_config
from server.openapi import build_document
from tests.jobs.warehouse.conftest import fill
from tests.server.conftest import NOW_S, signed


def linked_data_dir(source: Path, target: Path, *, leave_out: str | None = None) -> Path:
    """A data directory of symbolic links to ``source``'s files, without ``leave_out``."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and str(relative) != leave_out:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).symlink_to(path)
    return target


@pytest.fixture(scope="module")
def seeded_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed DuckDB file whose seeded tables hold the small hand-checked rows."""
    path = tmp_path_factory.mktemp("wh") / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    return path


def _app(env: dict[str, str], certs_session: requests.Session) -> Flask:
    return create_app(load_config(env), clock=lambda: float(NOW_S), http_session=certs_session)


@pytest.fixture
def healthy_env(server_env: dict[str, str], seeded_duckdb: Path) -> dict[str, str]:
    return server_env | {"GBESS_DUCKDB_PATH": str(seeded_duckdb)}


@pytest.fixture
def no_distributors(healthy_env: dict[str, str], data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The healthy environment, but the data directory has no ``distributors.csv``."""
    linked = linked_data_dir(data_dir, tmp_path / "data", leave_out="distributors.csv")
    return healthy_env | {"GBESS_DATA_DIR": str(linked)}


def _health(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/health")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    return response.status_code, body


def _problems(body: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(p["component"], p["name"], p["check"]) for p in body["problems"]}


def _assert_no_paths(text: str, *paths: Path | str) -> None:
    for path in paths:
        assert str(path) not in text
    assert "/tmp" not in text
    assert "PID" not in text


def test_ok_when_reference_data_and_warehouse_are_in_place(
    healthy_env: dict[str, str], certs_session: requests.Session
) -> None:
    status, body = _health(_app(healthy_env, certs_session).test_client())
    assert status == 200
    assert body == {
        "status": "ok",
        "version": "0.1.0",
        "warehouse_backend": "duckdb",
        "auth_mode": "both",
        "problems": [],
    }


def test_a_missing_reference_file_is_503_naming_the_table(
    no_distributors: dict[str, str], certs_session: requests.Session, tmp_path: Path
) -> None:
    client = _app(no_distributors, certs_session).test_client()
    response = client.get("/health")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["problems"] == [
        {
            "component": "reference",
            "name": "distributors",
            "check": "file-missing",
            "detail": "reference table distributors (distributors.csv) unavailable on the "
            "server: file missing",
        }
    ]
    _assert_no_paths(response.get_data(as_text=True), tmp_path)


def test_a_missing_data_directory_is_one_problem(
    healthy_env: dict[str, str], certs_session: requests.Session, tmp_path: Path
) -> None:
    env = healthy_env | {"GBESS_DATA_DIR": str(tmp_path / "absent")}
    status, body = _health(_app(env, certs_session).test_client())
    assert status == 503
    assert _problems(body) == {("reference", "data_dir", "data-dir-missing")}
    _assert_no_paths(json.dumps(body), tmp_path)


@pytest.mark.parametrize(
    ("make_file", "check"),
    [
        (lambda path: None, "file-missing"),
        (lambda path: path.write_bytes(b""), "empty-file"),
        (lambda path: path.write_bytes(b"not a database" * 100), "unreadable"),
        (lambda path: DuckDBWarehouse(path).ensure_tables(), "no-rows"),
    ],
    ids=["absent", "zero-bytes", "not-duckdb", "tables-without-rows"],
)
def test_a_warehouse_without_data_is_503(
    make_file: Any,
    check: str,
    healthy_env: dict[str, str],
    certs_session: requests.Session,
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "gbess.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    make_file(path)
    env = healthy_env | {"GBESS_DUCKDB_PATH": str(path)}
    response = _app(env, certs_session).test_client().get("/health")
    body = response.get_json()
    assert response.status_code == 503
    assert {p["check"] for p in body["problems"]} == {check}
    assert {p["component"] for p in body["problems"]} == {"warehouse"}
    _assert_no_paths(response.get_data(as_text=True), tmp_path)


def test_empty_tables_are_each_named(
    healthy_env: dict[str, str], certs_session: requests.Session, tmp_path: Path
) -> None:
    path = tmp_path / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        warehouse.ensure_tables()
    status, body = _health(
        _app(healthy_env | {"GBESS_DUCKDB_PATH": str(path)}, certs_session).test_client()
    )
    assert status == 503
    assert _problems(body) == {
        ("warehouse", name, "no-rows")
        for name in (
            "system_prices",
            "market_index",
            "dynamic_response_results",
            "quick_reserve_results",
            "bm_units",
        )
    }


def test_a_warehouse_open_for_writing_is_a_problem_not_a_hang(
    healthy_env: dict[str, str], certs_session: requests.Session, seeded_duckdb: Path
) -> None:
    # A write connection in this process: DuckDB refuses a read-only one beside it.
    client = _app(healthy_env, certs_session).test_client()
    writer = duckdb.connect(str(seeded_duckdb))
    try:
        status, body = _health(client)
    finally:
        writer.close()
    assert status == 503
    assert _problems(body) == {("warehouse", "warehouse", "busy")}
    assert _health(client)[0] == 200  # the writer has gone: healthy again


@pytest.mark.parametrize("env_name", ["healthy_env", "no_distributors"])
def test_liveness_is_200_whatever_the_data(
    env_name: str, request: pytest.FixtureRequest, certs_session: requests.Session, tmp_path: Path
) -> None:
    env: dict[str, str] = request.getfixturevalue(env_name)
    # Even with no warehouse file at all: liveness touches neither data nor warehouse.
    env = env | {"GBESS_DUCKDB_PATH": str(tmp_path / "absent.duckdb")}
    client = _app(env, certs_session).test_client()
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}
    assert "WWW-Authenticate" not in response.headers
    assert client.get("/health").status_code == 503


def test_lookup_without_distributors_is_503_naming_the_table(
    no_distributors: dict[str, str],
    certs_session: requests.Session,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        client = _app(no_distributors, certs_session).test_client()
    # The app starts, and says at start-up why lookups will fail.
    assert any("lookup tables not loaded" in r.getMessage() for r in caplog.records)
    response = signed(client, "POST", "/v1/lookup", json={"queries": ["SW1A 1AA"]})
    problem = response.get_json()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert problem["type"] == "urn:gbess:problem:reference-data-unavailable"
    assert problem["table"] == "distributors"
    assert "distributors" in problem["detail"]
    assert "field" not in problem  # no input of the caller's is to blame
    _assert_no_paths(response.get_data(as_text=True), tmp_path)
    # ... and /health names the same problem.
    assert _problems(_health(client)[1]) == {("reference", "distributors", "file-missing")}


def test_problems_are_logged_with_paths_once_per_change(
    healthy_env: dict[str, str],
    certs_session: requests.Session,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    absent = tmp_path / "absent.duckdb"
    client = _app(healthy_env | {"GBESS_DUCKDB_PATH": str(absent)}, certs_session).test_client()
    with caplog.at_level(logging.INFO, logger="gbess.server.health"):
        client.get("/health")
        client.get("/health")
    logged = [r.getMessage() for r in caplog.records if r.name == "gbess.server.health"]
    assert len(logged) == 1
    assert str(absent) in logged[0]  # the operator's log may name the path


@pytest.fixture
def documented(app: Flask) -> dict[str, Any]:
    paths: dict[str, Any] = build_document(app)["paths"]
    return paths


def test_both_paths_are_public_and_documented(documented: dict[str, Any]) -> None:
    for path in ("/health", "/health/live"):
        assert documented[path]["get"]["security"] == []
    assert "startup probe" in documented["/health"]["get"]["summary"]
    assert "liveness probe" in documented["/health/live"]["get"]["summary"]
