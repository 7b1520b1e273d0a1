"""RFC 9457 problem+json: the one place errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadrouter.api.limits import BodyRejected
from leadrouter.errors import (
    FieldError,
    LeadRouterError,
    TooManyRequests,
    Unavailable,
)

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
    retry_after: int | None = None,
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
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def render(error: LeadRouterError, instance: str | None) -> JSONResponse:
    """One of our errors as problem+json (with Retry-After when it says when to retry)."""
    retry = error.retry_after if isinstance(error, TooManyRequests | Unavailable) else None
    return problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors,
        instance=instance,
        retry_after=retry,
    )


def is_database_locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked" (another writer held it past the busy timeout)."""
    return "database is locked" in str(exc.orig)


def is_database_unreachable(exc: DBAPIError) -> bool:
    """The database went away or cannot be reached (a restart, a network cut), as opposed to
    a bad statement: on PostgreSQL every OperationalError, and any dropped connection."""
    if exc.connection_invalidated:
        return True
    driver = type(exc.orig).__module__.split(".")[0]
    return isinstance(exc, OperationalError) and driver == "psycopg"


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
        return render(exc, request.url.path)

    @app.exception_handler(BodyRejected)
    async def _rejected(request: Request, exc: BodyRejected) -> JSONResponse:
        return render(exc.error, request.url.path)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, OperationalError) and is_database_locked(exc):
            busy = Unavailable("the database is busy; try again shortly", retry_after=2)
            return render(busy, request.url.path)
        if is_database_unreachable(exc):
            # The pool pre-pings each checkout, so the first request after the database is
            # back gets a fresh connection: the service recovers without a restart.
            gone = Unavailable("the database cannot be reached; try again shortly", retry_after=2)
            return render(gone, request.url.path)
        if isinstance(exc, DataError):
            return out_of_range_problem(request)
        raise exc

    @app.exception_handler(PendingRollbackError)
    async def _connection_lost(request: Request, exc: PendingRollbackError) -> JSONResponse:
        # A step that caught an error and went on, on a connection that had died meanwhile.
        if "invalid transaction" not in str(exc):
            raise exc
        gone = Unavailable("the database cannot be reached; try again shortly", retry_after=2)
        return render(gone, request.url.path)

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        busy = Unavailable("every database connection is in use; try again shortly", retry_after=1)
        return render(busy, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(request, exc)

    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        return out_of_range_problem(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return internal_problem(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_problem(request, exc)


def validation_detail(exc: RequestValidationError) -> tuple[str, list[FieldError]]:
    """A refused request's fields and reasons, and the one line that names them all."""
    errors = field_errors_from_pydantic(exc.errors())
    return "; ".join(f"{e.field}: {e.reason}" for e in errors), errors


def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request FastAPI refused (a missing or malformed field) as a 422 problem."""
    detail, errors = validation_detail(exc)
    return problem(
        422,
        "Validation failed",
        detail,
        slug="validation-failed",
        errors=errors,
        instance=request.url.path,
    )


def internal_problem(request: Request) -> JSONResponse:
    """An unexpected error as problem+json, never a text/plain page (Starlette's outermost
    middleware still logs and re-raises it)."""
    return problem(
        500,
        "Internal error",
        "the server failed; the error was logged",
        slug="internal",
        instance=request.url.path,
    )


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no such route, method not allowed) as problem+json."""
    return problem(
        exc.status_code,
        _TITLES.get(exc.status_code, "Error"),
        str(exc.detail),
        slug=f"http-{exc.status_code}",
        instance=request.url.path,
    )


def out_of_range_problem(request: Request) -> JSONResponse:
    """A value the store cannot hold (a number past its column's range) that slipped past the
    schema: the caller's input, so a 422 rather than a 500."""
    return problem(
        422,
        "Validation failed",
        "a value is out of the range the store holds",
        slug="validation-failed",
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
    413: "Content too large",
    422: "Validation failed",
    429: "Too many requests",
    503: "Service unavailable",
}
