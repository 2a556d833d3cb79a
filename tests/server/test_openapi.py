"""/v1/openapi.json: generated from the declared operations, complete and valid OpenAPI 3.1."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator

from engine.errors import TariffNotFoundError
from server.api import ApiBlueprint
from server.openapi import build_document, openapi_path, undocumented_routes
from server.validation import ApiModel
from tests.server.conftest import signed


class Quote(ApiModel):
    llfc: str
    year: int


class QuoteOut(ApiModel):
    red_p_per_kwh: float


class Page(ApiModel):
    limit: int = 10


@pytest.fixture
def extended_app(app: Flask) -> Flask:
    """The app plus a family like the ones later features add."""
    bp = ApiBlueprint("quotes", __name__)

    @bp.operation(
        "POST",
        "/quotes",
        request=Quote,
        response=QuoteOut,
        status=201,
        errors=(TariffNotFoundError,),
        summary="Price a tariff",
    )
    def create_quote(body: Quote) -> QuoteOut:
        """Look the tariff up and price it."""
        return QuoteOut(red_p_per_kwh=1.0)

    @bp.operation(
        "GET", "/quotes/<int:quote_id>", query=Page, response=QuoteOut, summary="One quote"
    )
    def get_quote(quote_id: int, query: Page) -> QuoteOut:
        return QuoteOut(red_p_per_kwh=float(quote_id))

    app.register_blueprint(bp)
    return app


def _document(client: FlaskClient) -> dict[str, Any]:
    response = signed(client, "GET", "/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def test_document_is_valid_openapi_31(extended_app: Flask) -> None:
    document = _document(extended_app.test_client())
    assert document["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(document).validate()


def test_every_v1_route_is_documented(extended_app: Flask) -> None:
    assert undocumented_routes(extended_app) == []
    document = build_document(extended_app)
    v1_routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in extended_app.url_map.iter_rules()
        if rule.rule.startswith("/v1")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {(path, m) for path, item in document["paths"].items() for m in item}
    assert v1_routes
    assert v1_routes <= documented
    assert ("/health", "get") in documented
    assert ("/health/live", "get") in documented


def test_undocumented_route_is_reported(app: Flask) -> None:
    app.add_url_rule("/v1/hand-made", "hand_made", lambda: "x", methods=["GET"])
    assert undocumented_routes(app) == ["GET /v1/hand-made"]


def test_operation_details_come_from_the_declaration(extended_app: Flask) -> None:
    document = build_document(extended_app)
    post = document["paths"]["/v1/quotes"]["post"]
    assert post["summary"] == "Price a tariff"
    assert post["description"] == "Look the tariff up and price it."
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Quote"
    }
    assert set(post["responses"]) >= {"201", "400", "401", "403", "404", "413", "415", "422"}
    assert "tariff-not-found" in post["responses"]["404"]["description"]
    quote = document["components"]["schemas"]["Quote"]
    assert quote["required"] == ["llfc", "year"]
    assert quote["additionalProperties"] is False

    get = document["paths"]["/v1/quotes/{quote_id}"]["get"]
    params = {(p["in"], p["name"]): p for p in get["parameters"]}
    assert params[("path", "quote_id")]["schema"] == {"type": "integer"}
    assert params[("query", "limit")]["required"] is False


def test_health_is_public_in_the_document(app: Flask) -> None:
    document = build_document(app)
    assert document["paths"]["/health"]["get"]["security"] == []
    assert document["paths"]["/health/live"]["get"]["security"] == []
    health = document["components"]["schemas"]["Health"]
    assert health["properties"]["status"]["enum"] == ["ok", "degraded"]
    assert set(health["required"]) >= {"status", "problems"}
    problem = document["components"]["schemas"]["HealthProblem"]
    assert set(problem["required"]) == {"component", "name", "check", "detail"}
    assert "security" not in document["paths"]["/v1/openapi.json"]["get"]
    assert len(document["security"]) == 2


def test_declared_view_returns_its_status(extended_app: Flask) -> None:
    client = extended_app.test_client()
    response = signed(client, "POST", "/v1/quotes", json={"llfc": "501", "year": 2025})
    assert response.status_code == 201
    assert response.get_json() == {"red_p_per_kwh": 1.0}
    response = signed(client, "GET", "/v1/quotes/7", query_string={"limit": "2"})
    assert response.get_json() == {"red_p_per_kwh": 7.0}


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/v1/a", "/v1/a"),
        ("/v1/a/<int:n>/b/<name>", "/v1/a/{n}/b/{name}"),
        ("/v1/<string(length=2):c>", "/v1/{c}"),
    ],
)
def test_openapi_path(rule: str, path: str) -> None:
    assert openapi_path(rule) == path
