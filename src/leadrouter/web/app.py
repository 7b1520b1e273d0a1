"""Mount the web pages on the API app: routers, static files, error pages, headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadrouter.api.problems import http_problem
from leadrouter.web.pages import auth, dashboard, home, leads, portal, replay, reports
from leadrouter.web.session import PageError, SignInRequired, sign_in_url
from leadrouter.web.templating import HERE, page

# Scripts only from our own origin (no inline script, no eval); no framing (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_API_PREFIXES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/healthz", "/hooks/", "/forms/")


def install_web(app: FastAPI) -> None:
    """Serve the sign-in page, the dashboard and the portal from the same app as the API."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (
        auth.router,
        home.router,
        dashboard.router,
        portal.router,
        leads.router,
        reports.router,
        replay.router,
    ):
        app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = sign_in_url(request)
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        name = "_error.html" if request.headers.get("HX-Request") else "error.html"
        return page(
            request, name, {"status": exc.status, "message": exc.message}, status=exc.status
        )

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        # A browser at an address that is no page (a typo, an old bookmark) gets a page
        # with a way back; the API and everything else keep their problem+json.
        if exc.status_code == 404 and _wants_a_page(request):
            message = "There is no page at this address."
            return page(request, "error.html", {"status": 404, "message": message}, status=404)
        return http_problem(request, exc)

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(_API_PREFIXES):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response


def _wants_a_page(request: Request) -> bool:
    """A browser asking for a page: not an API address, and HTML accepted."""
    accepted = request.headers.get("accept", "")
    return not request.url.path.startswith(_API_PREFIXES) and "text/html" in accepted
