"""Every error is RFC 9457 problem+json: domain errors, HTTP errors, unhandled exceptions."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.errors import (
    DataMissingError,
    GbessError,
    InfeasibleDispatchError,
    InvalidMpanError,
    InvalidPostcodeError,
    ReferenceDataError,
    SourceUnavailableError,
    TariffNotFoundError,
    UnknownPostcodeError,
    ValidationError,
)
from server.api import ApiBlueprint
from server.errors import ERROR_STATUS, status_of
from tests.server.conftest import signed

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


class _SecretBoomError(RuntimeError):
    pass


def _raising_app(app: Flask) -> Flask:
    bp = ApiBlueprint("raising", __name__)

    @bp.operation("GET", "/raise/<kind>", summary="test")
    def raise_it(kind: str) -> Any:
        errors: dict[str, GbessError] = {
            "mpan": InvalidMpanError("check digit is wrong", field="mpan"),
            "tariff": TariffNotFoundError("no tariff for LLFC 999", field="llfc"),
            "source": SourceUnavailableError("Elexon failed after 3 tries"),
            "plain": GbessError("something specific"),
            "reference": ReferenceDataError(
                "distributors.csv: reference file missing (set GBESS_DATA_DIR; currently "
                "/srv/secret/data)",
                check="file-missing",
                table="distributors",
                file="distributors.csv",
                field="GBESS_DATA_DIR",
            ),
        }
        if kind in errors:
            raise errors[kind]
        raise _SecretBoomError("password=hunter2 at /srv/secret/path.py")

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError, 422),
        (InvalidMpanError, 422),
        (InvalidPostcodeError, 422),
        (InfeasibleDispatchError, 422),
        (UnknownPostcodeError, 404),
        (TariffNotFoundError, 404),
        (DataMissingError, 404),
        (ReferenceDataError, 503),
        (SourceUnavailableError, 502),
        (GbessError, 500),
    ],
)
def test_status_per_error_class(error: type[GbessError], status: int) -> None:
    assert status_of(error("x")) == status


def test_every_engine_error_class_has_a_status() -> None:
    # A subclass added later inherits its base's status; this pins the ones that exist.
    def subclasses(cls: type) -> set[type]:
        children: list[type] = cls.__subclasses__()
        return {cls} | {s for c in children for s in subclasses(c)}

    engine_errors = {c for c in subclasses(GbessError) if c.__module__ == "engine.errors"}
    assert engine_errors <= set(ERROR_STATUS) | {InvalidMpanError, InvalidPostcodeError}


@pytest.mark.parametrize(
    ("kind", "status", "slug", "field"),
    [
        ("mpan", 422, "invalid-mpan", "mpan"),
        ("tariff", 404, "tariff-not-found", "llfc"),
        ("source", 502, "source-unavailable", None),
        ("plain", 500, "gbess-error", None),
        ("reference", 503, "reference-data-unavailable", None),
    ],
)
def test_domain_error_becomes_problem(
    app: Flask, kind: str, status: int, slug: str, field: str | None
) -> None:
    response = signed(_raising_app(app).test_client(), "GET", f"/v1/raise/{kind}")
    body = response.get_json()
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert body.keys() >= PROBLEM_KEYS
    assert body["type"] == f"urn:gbess:problem:{slug}"
    assert body["status"] == status
    assert body["instance"] == f"/v1/raise/{kind}"
    assert body.get("field") == field
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_missing_reference_data_is_503_naming_the_table_not_the_path(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # A file missing on the server is the server's fault (503), unlike data the caller
    # asked for that does not exist (404); the body names the table, the log the path.
    response = signed(_raising_app(app).test_client(), "GET", "/v1/raise/reference")
    problem = response.get_json()
    assert response.status_code == 503
    assert problem["title"] == "Reference data"
    assert problem["detail"] == (
        "reference table distributors (distributors.csv) unavailable on the server: file missing"
    )
    assert (problem["table"], problem["check"]) == ("distributors", "file-missing")
    assert "/srv/secret" not in response.get_data(as_text=True)
    assert any("/srv/secret/data" in r.getMessage() for r in caplog.records)


def test_title_is_stable_per_class(app: Flask) -> None:
    body = signed(_raising_app(app).test_client(), "GET", "/v1/raise/mpan").get_json()
    assert body["title"] == "Invalid mpan"
    assert body["detail"] == "check digit is wrong"


def test_unhandled_exception_is_500_without_leaks(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    response = signed(
        _raising_app(app).test_client(), "GET", "/v1/raise/boom", headers={"X-Request-Id": "r-1"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:gbess:problem:internal-error"
    for leak in ("hunter2", "Traceback", "_SecretBoomError", "/srv/secret"):
        assert leak not in text
    # ... but the log has the traceback, tied to the request id.
    logged = [r for r in caplog.records if r.exc_info]
    assert logged
    assert logged[0].__dict__["request_id"] == "r-1"  # set by the log filter, not a LogRecord field


def test_404_problem(client: FlaskClient) -> None:
    response = signed(client, "GET", "/v1/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:gbess:problem:not-found"


def test_404_outside_v1_without_auth_is_401(client: FlaskClient) -> None:
    # Unknown paths do not reveal whether a route exists to unauthenticated callers.
    assert client.get("/nowhere").status_code == 401


def test_405_problem_with_allow(client: FlaskClient) -> None:
    response = signed(client, "POST", "/v1/openapi.json", json={})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:gbess:problem:method-not-allowed"
    assert "GET" in response.headers["Allow"]


def test_405_on_health(client: FlaskClient) -> None:
    response = signed(client, "DELETE", "/health")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_413_problem_names_the_limit(client: FlaskClient) -> None:
    body = b"x" * (5 * 1024 * 1024 + 1)
    response = client.post("/v1/openapi.json", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "urn:gbess:problem:payload-too-large"
    assert str(5 * 1024 * 1024) in problem["detail"]


def test_413_enforced_on_streamed_body_without_length(client: FlaskClient) -> None:
    # Chunked upload: no Content-Length, so the limit applies while reading the stream
    # (the HMAC check reads the body) — the whole body is never buffered.
    import io

    from jobs.webhook_auth import sign_request
    from tests.server.conftest import NOW_S, SECRET

    body = b"x" * (5 * 1024 * 1024 + 1)
    response = client.post(
        "/v1/openapi.json",
        input_stream=io.BytesIO(body),
        headers=sign_request(SECRET, body, NOW_S),
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
