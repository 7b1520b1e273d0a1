"""The security headers of every page, added as its response starts (a plain ASGI middleware).

Starlette's ``@app.middleware("http")`` would do the same through ``BaseHTTPMiddleware``,
which runs every request, API calls included, through a task group and a streamed copy of
its response: a measurable share of the server's CPU per lead. This one looks at the path
once and, for a page, adds the headers a response has not set itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class PageHeaders:
    """Add ``headers`` (unless already set) to HTTP responses outside ``skip_prefixes``."""

    def __init__(
        self, app: ASGIApp, *, headers: Mapping[str, str], skip_prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self.headers = dict(headers)
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
