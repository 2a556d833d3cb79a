"""Body and query validation: 400 for non-JSON, 415 for wrong media type, 422 per field."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import Field

from server.api import ApiBlueprint
from server.validation import ApiModel, field_path, json_pointer
from tests.server.conftest import signed


class Battery(ApiModel):
    power_mw: float = Field(gt=0)
    energy_mwh: float = Field(gt=0)


class Site(ApiModel):
    mpan: str = Field(min_length=13, max_length=13)


class ValueRequest(ApiModel):
    battery: Battery
    sites: tuple[Site, ...] = ()
    year: int


class ValueResponse(ApiModel):
    duration_h: float


class Window(ApiModel):
    start: str
    limit: int = 10


@pytest.fixture
def vclient(app: Flask) -> FlaskClient:
    bp = ApiBlueprint("vtest", __name__)

    @bp.operation("POST", "/value", request=ValueRequest, response=ValueResponse, summary="t")
    def value(body: ValueRequest) -> ValueResponse:
        return ValueResponse(duration_h=body.battery.energy_mwh / body.battery.power_mw)

    @bp.operation("GET", "/window", query=Window, summary="t")
    def window(query: Window) -> dict[str, Any]:
        return {"start": query.start, "limit": query.limit}

    app.register_blueprint(bp)
    return app.test_client()


GOOD = {"battery": {"power_mw": 50, "energy_mwh": 100}, "year": 2024}


def test_valid_body_reaches_the_view(vclient: FlaskClient) -> None:
    response = signed(vclient, "POST", "/v1/value", json=GOOD)
    assert response.status_code == 200
    assert response.get_json() == {"duration_h": 2.0}  # 100 MWh / 50 MW


def test_each_offending_field_is_named(vclient: FlaskClient) -> None:
    body = {
        "battery": {"power_mw": -5, "energy_mwh": None},
        "sites": [{"mpan": "1200023305967"}, {"mpan": "12"}],
        "year": "twenty",
        "colour": "red",
    }
    response = signed(vclient, "POST", "/v1/value", json=body)
    problem = response.get_json()
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert problem["type"] == "urn:gbess:problem:validation-error"
    fields = {e["field"]: e for e in problem["errors"]}
    assert set(fields) == {
        "battery.power_mw",
        "battery.energy_mwh",
        "sites[1].mpan",
        "year",
        "colour",
    }
    assert fields["sites[1].mpan"]["pointer"] == "#/sites/1/mpan"
    assert "greater than 0" in fields["battery.power_mw"]["detail"]
    assert "field" not in problem  # several fields: see errors
    assert "5 invalid fields" in problem["detail"]


def test_single_offending_field_sets_field(vclient: FlaskClient) -> None:
    body = {"battery": {"power_mw": 50}, "year": 2024}
    problem = signed(vclient, "POST", "/v1/value", json=body).get_json()
    assert problem["field"] == "battery.energy_mwh"
    assert problem["detail"].startswith("battery.energy_mwh: Field required")


@pytest.mark.parametrize("payload", [[1, 2], "text", 3, None])
def test_json_that_is_not_an_object_is_422_on_body(vclient: FlaskClient, payload: Any) -> None:
    # An explicit JSON null body goes as raw bytes (signed() sends nothing for json=None).
    raw = b"null" if payload is None else None
    response = signed(vclient, "POST", "/v1/value", json=payload, data=raw)
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"


@pytest.mark.parametrize("raw", [b"{not json", b'{"a": 1', b"\xff\xfe"])
def test_malformed_json_is_400_naming_the_body(vclient: FlaskClient, raw: bytes) -> None:
    response = signed(vclient, "POST", "/v1/value", data=raw)
    problem = response.get_json()
    assert response.status_code == 400
    assert problem["type"] == "urn:gbess:problem:malformed-json"
    assert problem["field"] == "body"


def test_empty_body_is_400(vclient: FlaskClient) -> None:
    response = signed(vclient, "POST", "/v1/value", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "empty" in response.get_json()["detail"]


def test_non_json_media_type_is_415(vclient: FlaskClient) -> None:
    response = signed(
        vclient,
        "POST",
        "/v1/value",
        data=b"power_mw=5",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.get_json()["field"] == "Content-Type"


def test_nan_in_a_number_field_is_refused(vclient: FlaskClient) -> None:
    # Python's json would accept NaN; pydantic parses it and allow_inf_nan=False refuses it.
    raw = b'{"battery": {"power_mw": NaN, "energy_mwh": 1}, "year": 2024}'
    response = signed(vclient, "POST", "/v1/value", data=raw)
    assert response.status_code == 422
    assert response.get_json()["field"] == "battery.power_mw"


def test_query_validation(vclient: FlaskClient) -> None:
    ok = signed(vclient, "GET", "/v1/window", query_string={"start": "2024-01-01", "limit": "5"})
    assert ok.get_json() == {"start": "2024-01-01", "limit": 5}
    bad = signed(vclient, "GET", "/v1/window", query_string={"limit": "many"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"start", "limit"}


@pytest.mark.parametrize(
    ("loc", "path", "pointer"),
    [
        ((), "body", "#"),
        (("year",), "year", "#/year"),
        (("sites", 2, "mpan"), "sites[2].mpan", "#/sites/2/mpan"),
        (("a/b", "c~d"), "a/b.c~d", "#/a~1b/c~0d"),
    ],
)
def test_paths_and_pointers(loc: tuple[Any, ...], path: str, pointer: str) -> None:
    assert field_path(loc) == path
    assert json_pointer(loc) == pointer


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # Issue 19 item 8: the last value silently won; another parser takes the first, so
        # one signed body could mean two batteries.
        (b'{"battery": {"power_mw": 50, "energy_mwh": 100}, "year": 2024, "year": 2025}', "year"),
        (b'{"battery": {"power_mw": 1, "power_mw": 50, "energy_mwh": 100}, "year": 2024}',
         "power_mw"),
    ],
)  # fmt: skip
def test_a_key_given_twice_is_422_naming_it(vclient: FlaskClient, raw: bytes, field: str) -> None:
    response = signed(vclient, "POST", "/v1/value", data=raw)
    problem = response.get_json()
    assert response.status_code == 422
    assert problem["field"] == field
    assert (
        problem["detail"]
        == f"{field}: given more than once in one object; each key must appear once"
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/value", GOOD), ("POST", "/v1/value", {"year": 1}), ("GET", "/v1/nowhere", None)],
)
def test_every_answer_is_nosniff_and_not_stored(
    vclient: FlaskClient, method: str, path: str, body: Any
) -> None:
    # Issue 19 item 8: neither header was sent; success, problem and routing answers alike.
    response = signed(vclient, method, path, json=body)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
