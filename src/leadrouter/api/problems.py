"""RFC 9457 problem+json: the one place errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadrouter.errors import FieldError, LeadRouterError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://leadrouter.dev/problems/"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[FieldError] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def field_errors_from_pydantic(errors: Any) -> list[FieldError]:
    """Pydantic/FastAPI error dicts as our FieldErrors (dotted field path, plain reason)."""
    out = []
    for err in errors:
        reason = str(err.get("msg", "invalid"))
        reason = reason.removeprefix("Value error, ")
        out.append(FieldError(field=_location(err.get("loc", ())), reason=reason))
    return out


def install(app: FastAPI) -> None:
    """Map every error leadrouter can produce to problem+json."""

    @app.exception_handler(LeadRouterError)
    async def _ours(request: Request, exc: LeadRouterError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors_from_pydantic(exc.errors())
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        return problem(
            422,
            "Validation failed",
            detail,
            slug="validation-failed",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (a number past its column's range) that slipped
        # past the schema: the caller's input, so a 422 rather than a 500.
        return problem(
            422,
            "Validation failed",
            "a value is out of the range the store holds",
            slug="validation-failed",
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            _TITLES.get(exc.status_code, "Error"),
            str(exc.detail),
            slug=f"http-{exc.status_code}",
            instance=request.url.path,
        )


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Validation failed",
}
