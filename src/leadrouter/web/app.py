"""Mount the web pages on the API app: routers, static files, error pages, headers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadrouter.api.problems import (
    http_problem,
    internal_problem,
    out_of_range_problem,
    validation_detail,
    validation_problem,
)
from leadrouter.web.headers import PageHeaders
from leadrouter.web.pages import auth, dashboard, home, leads, portal, replay, reports
from leadrouter.web.session import PageError, SignInRequired, sign_in_url, signed_in
from leadrouter.web.templating import HERE, page

# Scripts only from our own origin (no inline script, no eval); no framing (clickjacking).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
OUT_OF_RANGE = "A number in this address is larger than any this site keeps."
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
        if request.headers.get("HX-Request"):
            context = {"status": exc.status, "message": exc.message}
            return page(request, "_error.html", context, status=exc.status)
        return await _error_page(request, exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        # A browser at an address that is no page (a typo, an old bookmark) gets a page
        # with a way back; the API and everything else keep their problem+json.
        if exc.status_code == 404 and _wants_a_page(request):
            return await _error_page(request, 404, "There is no page at this address.")
        return http_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _refused_page(request: Request, exc: RequestValidationError) -> Response:
        # A form or address a browser sent that the page refuses (a 2,000-character email at
        # sign-in, a version that is no number): a page with the way back, not raw JSON.
        if _wants_a_page(request) and not request.headers.get("HX-Request"):
            return await _error_page(request, 422, validation_detail(exc)[0])
        return validation_problem(request, exc)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)  # before the API's DBAPIError handler: the nearer class
    async def _out_of_range_page(request: Request, exc: Exception) -> Response:
        # An id past the store's range in a page's address (/leads/99999999999999999999).
        if _wants_a_page(request) and not request.headers.get("HX-Request"):
            return await _error_page(request, 422, OUT_OF_RANGE)
        return out_of_range_problem(request)

    @app.exception_handler(Exception)
    async def _failed_page(request: Request, exc: Exception) -> Response:
        # A page that failed: a page with the way back; the API keeps its problem+json.
        if _wants_a_page(request) and not request.headers.get("HX-Request"):
            message = "The server failed to show this page; the error was logged."
            return await _error_page(request, 500, message)
        return internal_problem(request)

    app.add_middleware(PageHeaders, headers=SECURITY_HEADERS, skip_prefixes=_API_PREFIXES)


async def _error_page(request: Request, status: int, message: str) -> Response:
    """The error page, with the signed-in person's navigation and a link to their own page
    (the sign-in page for nobody)."""
    session = await run_in_threadpool(signed_in, request)
    context = {
        "status": status,
        "message": message,
        "home": auth.home_of(session.user.role) if session else "/signin",
    }
    shown = page(request, "error.html", context, session=session, status=status)
    for name, value in SECURITY_HEADERS.items():  # a failed page is answered past middleware
        shown.headers.setdefault(name, value)
    return shown


def _wants_a_page(request: Request) -> bool:
    """A browser asking for a page: not an API address, and HTML accepted."""
    accepted = request.headers.get("accept", "")
    return not request.url.path.startswith(_API_PREFIXES) and "text/html" in accepted
