"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse

from leadrouter import __version__
from leadrouter.api import openapi, problems
from leadrouter.api.limits import LimitsMiddleware
from leadrouter.api.routes import forms, health, registry, voice, webhooks
from leadrouter.bootstrap import Container
from leadrouter.intake import geography
from leadrouter.web.app import install_web

DESCRIPTION = """
Routes inbound insurance leads to the right **licensed** producer, in milliseconds.

Authenticate with an agency API key: `Authorization: Bearer lr_...`.
Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) `application/problem+json`
documents; validation errors list each bad `field` with its `reason`.
"""

SWAGGER_UI = "/static/swagger-ui-5.35.0"  # vendored: see web/static/VENDORED.md
# Above Swagger UI's own content and aligned with it: the way back to the app's pages.
BACK_TO_APP = (
    '<nav aria-label="App" style="font-family: sans-serif; max-width: 1460px; '
    'margin: 0 auto; padding: 12px 20px 0"><a href="/">← Back to leadrouter</a></nav>'
)


def create_app(container: Container) -> FastAPI:
    """Build the API around an already-wired container."""
    app = FastAPI(
        title="leadrouter",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    problems.install(app)
    openapi.install(app)
    app.add_middleware(LimitsMiddleware)  # the last added runs first: before routing and auth
    app.include_router(health.router)
    for router in registry.routers():
        app.include_router(router, prefix="/v1")
    app.include_router(forms.router)
    app.include_router(webhooks.hooks_router)
    app.include_router(voice.hooks_router)
    app.include_router(voice.router, prefix="/v1")
    install_web(app)  # the pages: sign-in, dashboard, portal

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The OpenAPI page, its Swagger UI served from /static/ (no CDN), with a link back
        to the app."""
        swagger = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        )
        body = bytes(swagger.body).decode().replace("<body>", f"<body>\n{BACK_TO_APP}", 1)
        return HTMLResponse(body)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        """FastAPI's ReDoc page loads its script from a CDN, blank where only the app is
        reachable: send those who know that address to the page that works offline."""
        return RedirectResponse("/docs", status_code=308)

    geography.warm()  # the ZIP index, once per process, before the first lead waits for it
    return app
