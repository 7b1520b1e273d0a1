"""The OpenAPI document, told the truth about errors: every one is problem+json.

FastAPI describes its validation errors as ``HTTPValidationError`` JSON, while the server
answers RFC 9457 problem+json; a generated client would then misread every error. This
rewrites each error response (4xx, 5xx) to the one ``Problem`` schema, and documents the
answers every route can give (413 too large, 429 rate limited, 503 busy), those of every
route that takes an API key (401; 403 where the key's role is checked) and those of every
route addressing one record by id (404).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
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
_UNAUTHORIZED = "No API key, or one that is unknown or revoked."
_FORBIDDEN = "The key's role (or the producer it is bound to) may not do this."
_NOT_FOUND = "No such record in the key's agency."
_BY_ID = re.compile(r"\{\w+_id\}")


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
            app.openapi_schema = problems_everywhere(doc, _role_checked(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problems_everywhere(
    doc: dict[str, Any], role_checked: frozenset[tuple[str, str]] = frozenset()
) -> dict[str, Any]:
    """The document with each error response as problem+json and the common ones added;
    ``role_checked``: the (path, method) of the routes that check the key's role."""
    for url, path in doc.get("paths", {}).items():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            for code, text in _COMMON.items():
                responses.setdefault(code, {"description": text})
            if operation.get("security"):
                responses.setdefault("401", {"description": _UNAUTHORIZED})
            if (url, method) in role_checked:
                responses.setdefault("403", {"description": _FORBIDDEN})
            if _BY_ID.search(url):
                responses.setdefault("404", {"description": _NOT_FOUND})
            for code, response in responses.items():
                if code[:1] in {"4", "5"}:
                    response["content"] = {PROBLEM_JSON: {"schema": _REF}}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    return doc


def _role_checked(app: FastAPI) -> frozenset[tuple[str, str]]:
    """The (path, method) of each route with a dependency that checks the key's role."""
    checked = set()
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, routing.APIRoute)
            and context.path
            and context.methods
            and any(_checks_role(d) for d in _dependencies(route.dependant))
        ):
            checked |= {(context.path, method.lower()) for method in context.methods}
    return frozenset(checked)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _checks_role(dependant: Dependant) -> bool:
    return getattr(dependant.call, "__qualname__", "").startswith("require_role.")
