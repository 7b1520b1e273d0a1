"""Limits before work: body size and JSON nesting, enforced while the body is read.

An ASGI middleware, outermost, so it runs before routing, parsing and authentication. A
declared ``Content-Length`` over the route's limit is refused at once (413); a body without
one (chunked) is counted as it arrives and refused the moment it passes the limit, whatever
reads it (JSON, forms, multipart parts, CSV uploads). JSON bodies are scanned for nesting
depth as they arrive too (422 naming the document), so a deeply nested body never reaches a
recursive parser.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from leadrouter.errors import FieldError, LeadRouterError, TooLarge, ValidationFailed
from leadrouter.jsondepth import JsonDepth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB, MIB = 1024, 1024 * 1024
MAX_JSON_DEPTH = 32


@dataclass(frozen=True)
class RouteLimit:
    """The largest body a route takes, and what its body is called in errors."""

    pattern: re.Pattern[str]
    max_bytes: int
    document: str = "the request body"


ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    RouteLimit(re.compile(r"^/forms/[^/]+/leads$"), 64 * KIB, "the form"),
    RouteLimit(re.compile(r"^/hooks/"), 64 * KIB, "the hook's body"),
    RouteLimit(re.compile(r"^/v1/policy(/.*)?$"), 512 * KIB, "the policy document"),
    RouteLimit(re.compile(r"^/v1/import/[^/]+$"), 20 * MIB, "the CSV file"),
    RouteLimit(re.compile(r"^/v1/compliance/reconciliations$"), 20 * MIB, "the report"),
)
DEFAULT_LIMIT = RouteLimit(re.compile(""), 256 * KIB)


def limit_for(path: str) -> RouteLimit:
    """The limit of the route at ``path`` (the default for JSON API routes)."""
    for limit in ROUTE_LIMITS:
        if limit.pattern.match(path):
            return limit
    return DEFAULT_LIMIT


class BodyRejected(StarletteHTTPException):
    """Raised from ``receive`` when a body breaks a limit; rendered as the error it carries.

    A Starlette HTTPException, so that FastAPI's body parsing lets it through untouched.
    """

    def __init__(self, error: LeadRouterError) -> None:
        super().__init__(status_code=error.status, detail=error.detail)
        self.error = error


class LimitsMiddleware:
    """Refuses oversized and too deeply nested bodies before the application works on them."""

    def __init__(self, app: ASGIApp, *, max_json_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        declared = headers.get(b"content-length", b"").strip()
        if declared and (not declared.isdigit() or int(declared) > limit.max_bytes):
            await _refuse(scope, send, _too_large(limit))
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        depth = JsonDepth() if content_type.endswith(b"json") else None
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit.max_bytes:
                    raise BodyRejected(_too_large(limit))
                if depth is not None and depth.feed(chunk) > self.max_json_depth:
                    too_deep = f"nests deeper than {self.max_json_depth} levels"
                    raise BodyRejected(
                        ValidationFailed(
                            f"{limit.document} {too_deep}", [FieldError("body", too_deep)]
                        )
                    )
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyRejected as rejected:
            if started:
                raise
            await _refuse(scope, send, rejected.error)


def _too_large(limit: RouteLimit) -> TooLarge:
    size = (
        f"{limit.max_bytes // MIB} MiB"
        if limit.max_bytes >= MIB
        else f"{limit.max_bytes // KIB} KiB"
    )
    return TooLarge(f"{limit.document} may have at most {size}")


async def _refuse(scope: Scope, send: Send, error: LeadRouterError) -> None:
    from leadrouter.api.problems import problem

    response = problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors,
        instance=scope["path"],
    )
    response.headers["Connection"] = "close"

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
