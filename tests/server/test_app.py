"""The app factory: /health, request ids, structured logs, config from the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from server import app as app_module
from server.app import create_app
from server.config import ConfigError, load_config
from server.logs import JsonFormatter


def test_health_reports_version_and_what_is_missing(client: FlaskClient) -> None:
    response = client.get("/health")
    body = response.get_json()
    # The test var dir is empty: no DuckDB file yet, so the service is degraded (503).
    assert response.status_code == 503
    assert body["version"] == "0.1.0"
    assert body["warehouse_backend"] == "duckdb"
    assert body["status"] == "degraded"
    assert body["auth_mode"] == "both"
    assert [(p["component"], p["check"]) for p in body["problems"]] == [
        ("warehouse", "file-missing")
    ]


def test_health_is_degraded_when_the_warehouse_file_is_empty(server_env: dict[str, str]) -> None:
    # An empty file used to count as present and answer "ok" while every query failed.
    duckdb_path = Path(server_env["GBESS_VAR_DIR"]) / "gbess.duckdb"
    duckdb_path.parent.mkdir(parents=True)
    duckdb_path.write_bytes(b"")
    response = create_app(load_config(server_env)).test_client().get("/health")
    body = response.get_json()
    assert (response.status_code, body["status"]) == (503, "degraded")
    assert [p["check"] for p in body["problems"]] == ["empty-file"]


def test_health_missing_data_dir(server_env: dict[str, str], tmp_path: Path) -> None:
    env = server_env | {"GBESS_DATA_DIR": str(tmp_path / "absent")}
    body = create_app(load_config(env)).test_client().get("/health").get_json()
    assert ("reference", "data_dir", "data-dir-missing") in {
        (p["component"], p["name"], p["check"]) for p in body["problems"]
    }
    assert str(tmp_path) not in json.dumps(body)  # no paths on an unauthenticated route


def test_request_id_is_echoed_or_generated(client: FlaskClient) -> None:
    assert (
        client.get("/health", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"]
        == "abc-123"
    )
    generated = client.get("/health").headers["X-Request-Id"]
    assert len(generated) == 32
    # Unsafe ids (log injection) are replaced, not echoed.
    replaced = client.get("/health", headers={"X-Request-Id": 'a" b'}).headers["X-Request-Id"]
    assert replaced != 'a" b'
    assert len(replaced) == 32


def test_access_log_is_structured_with_request_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/health/live", headers={"X-Request-Id": "log-me"})
    record = next(r for r in caplog.records if r.name == "gbess.server.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["severity"] == "INFO"
    assert line["request_id"] == "log-me"
    assert line["httpRequest"]["status"] == 200
    assert line["httpRequest"]["requestUrl"] == "/health/live"


def test_create_app_reads_the_environment_when_not_given_config(
    monkeypatch: pytest.MonkeyPatch, server_env: dict[str, str]
) -> None:
    for key, value in server_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GBESS_MAX_BODY_BYTES", "2048")
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_create_app_refuses_auth_off_on_public_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBESS_AUTH", "off")
    monkeypatch.setenv("GBESS_HOST", "0.0.0.0")
    with pytest.raises(ConfigError, match="loopback"):
        create_app()


def test_blueprints_are_one_list() -> None:
    names = [bp.name for bp in app_module.BLUEPRINTS]
    assert names[:2] == ["health", "openapi"]
    assert len(set(names)) == len(names)
