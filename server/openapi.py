"""``GET /v1/openapi.json``: the OpenAPI 3.1 document, generated from the declared operations.

Nothing here is written by hand per endpoint: each :class:`server.api.ApiBlueprint`
declares its operations (rule, method, request/query/response models, domain errors) and
this module turns the app's URL map plus those declarations into the document. Schemas
come from pydantic (JSON Schema 2020-12, which OpenAPI 3.1 uses as-is).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from jobs.webhook_auth import SIGNATURE_HEADER, TIMESTAMP_HEADER
from server.api import API_PREFIX, ApiBlueprint, Operation
from server.errors import HTTP_SLUGS, problem_type, status_of
from server.validation import ApiModel

bp = ApiBlueprint("openapi", __name__)

REF_TEMPLATE = "#/components/schemas/{model}"
_RULE_ARG = re.compile(r"<(?:(?P<conv>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}
_HTTP_ERROR_DESCRIPTIONS = {
    400: "Body is not valid JSON",
    401: "Missing or invalid credentials",
    403: "Authenticated identity not allowed",
    413: "Body larger than the limit",
    415: "Body is not application/json",
    422: "Body or query fails validation (every offending field listed)",
    500: "Internal error (quote the request id)",
}


class ProblemFieldError(ApiModel):
    """One offending input in a problem's ``errors`` list."""

    field: str
    pointer: str
    detail: str


class Problem(ApiModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[ProblemFieldError] | None = None
    request_id: str | None = None


def documented_operations(app: Flask) -> dict[str, Operation]:
    """Every declared operation of the app's blueprints, by endpoint name."""
    operations: dict[str, Operation] = {}
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, ApiBlueprint):
            operations.update({op.endpoint: op for op in blueprint.operations})
    return operations


def undocumented_routes(app: Flask) -> list[str]:
    """``METHOD /path`` of every ``/v1`` route that has no declared operation."""
    operations = documented_operations(app)
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX):
            continue
        op = operations.get(rule.endpoint)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if op is None or op.method != method:
                missing.append(f"{method} {rule.rule}")
    return missing


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/v1/sites/<int:site_id>`` → ``/v1/sites/{site_id}``."""
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule)


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every route of ``app`` that has a declared operation."""
    from server.health import gbess_version  # local: health imports the blueprint machinery

    operations = documented_operations(app)
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in operations.values():
        if op.request is not None:
            models.append((op.request, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
        models.extend((model, "serialization") for _, _, model in op.also)
    refs, defs = models_json_schema(models, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = operations.get(rule.endpoint)
        if declared is None:
            continue
        item = paths.setdefault(openapi_path(rule.rule), {})
        item[declared.method.lower()] = _operation_object(declared, rule.rule, refs, schemas)

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gbess webhook",
            "version": gbess_version(),
            "description": (
                "GB battery-storage analytics behind a Google Sheets add-on. Every route "
                "except /health needs an HMAC-signed request or a Google ID token; every "
                "error is application/problem+json (RFC 9457)."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "hmacTimestamp": {
                    "type": "apiKey",
                    "in": "header",
                    "name": TIMESTAMP_HEADER,
                    "description": "Unix seconds; within 300 s of the server clock.",
                },
                "hmacSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": SIGNATURE_HEADER,
                    "description": (
                        "Lowercase hex HMAC-SHA256 (key GBESS_HMAC_SECRET) of "
                        "'<timestamp>.' followed by the raw body bytes."
                    ),
                },
                "googleIdToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Google-signed OIDC ID token; audience and email allow-listed.",
                },
            },
        },
        "security": [{"hmacTimestamp": [], "hmacSignature": []}, {"googleIdToken": []}],
    }


def _operation_object(
    op: Operation,
    rule: str,
    refs: dict[tuple[Any, JsonSchemaMode], Any],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": m.group("name"),
            "in": "path",
            "required": True,
            "schema": {"type": _CONVERTER_TYPES.get(m.group("conv") or "", "string")},
        }
        for m in _RULE_ARG.finditer(rule)
    ]
    if op.query is not None:
        query_schema = op.query.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(query_schema.pop("$defs", {}))
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )

    success: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        success["content"] = {op.content_type: {"schema": refs[(op.response, "serialization")]}}
    elif op.content_type:
        success["content"] = {op.content_type: {"schema": {}}}
    responses: dict[str, Any] = {str(op.status): success}
    for status, description, model in op.also:
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": refs[(model, "serialization")]}},
        }

    problem_statuses = {500: _HTTP_ERROR_DESCRIPTIONS[500]}
    if not op.public:
        problem_statuses |= {401: _HTTP_ERROR_DESCRIPTIONS[401], 403: _HTTP_ERROR_DESCRIPTIONS[403]}
    if op.request is not None:
        problem_statuses |= {s: _HTTP_ERROR_DESCRIPTIONS[s] for s in (400, 413, 415, 422)}
    if op.query is not None:
        problem_statuses[422] = _HTTP_ERROR_DESCRIPTIONS[422]
    for error in op.errors:
        status = status_of(error(""))
        slug = problem_type(error.type_slug)
        previous = problem_statuses.get(status, "")
        problem_statuses[status] = f"{previous}; {slug}" if previous else slug
    problem_ref = refs[(Problem, "serialization")]
    for status, description in sorted(problem_statuses.items()):
        responses[str(status)] = {
            "description": description,
            "content": {"application/problem+json": {"schema": problem_ref}},
        }

    document: dict[str, Any] = {
        "operationId": op.endpoint.replace(".", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "responses": responses,
    }
    if op.description:
        document["description"] = op.description
    if parameters:
        document["parameters"] = parameters
    if op.request is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.request, "validation")]}},
        }
    if op.public:
        document["security"] = []
    return document


@bp.operation(
    "GET",
    "/openapi.json",
    content_type="application/json",
    summary="This OpenAPI 3.1 document, generated from the declared operations",
    public=True,  # it describes the API and holds no data (issue 18)
)
def openapi_document() -> ResponseReturnValue:
    """The document is built once per app and cached."""
    document = current_app.extensions.get("gbess_openapi")
    if document is None:
        document = build_document(current_app)
        current_app.extensions["gbess_openapi"] = document
    return jsonify(document)


__all__ = ["HTTP_SLUGS", "Problem", "bp", "build_document", "undocumented_routes"]
