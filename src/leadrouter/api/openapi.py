"""The OpenAPI document, told the truth about errors: every one is problem+json.

FastAPI describes its validation errors as ``HTTPValidationError`` JSON, while the server
answers RFC 9457 problem+json; a generated client would then misread every error. This
rewrites each error response (4xx, 5xx) to the one ``Problem`` schema, and documents the
answers every route can give (413 too large, 429 rate limited, 503 busy).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from leadrouter.api.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def csv_body(example: str, *also: str) -> dict[str, Any]:
    """A route's ``openapi_extra`` for a required CSV body shown by ``example``; ``also``: other
    media types the route takes as text."""
    content: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}, "example": example}}
    content.update({media: {"schema": {"type": "string"}} for media in also})
    return {"requestBody": {"required": True, "content": content}}


_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON = {
    "413": "The body is larger than this route takes.",
    "429": "Too many requests; see Retry-After.",
    "503": "The database is busy; see Retry-After.",
}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe errors as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = problems_everywhere(doc)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problems_everywhere(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with each error response as problem+json and the common ones added."""
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, text in _COMMON.items():
                responses.setdefault(code, {"description": text})
            for code, response in responses.items():
                if code[:1] in {"4", "5"}:
                    response["content"] = {PROBLEM_JSON: {"schema": _REF}}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return doc
