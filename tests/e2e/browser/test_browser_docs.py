"""The OpenAPI page in a real browser, as an integrator opens it: it renders from the app
alone, on a machine that reaches nothing else (no CDN)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from tests.e2e.browser.conftest import Served

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def test_the_api_docs_page_renders_every_route_without_reaching_outside(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    ours = urlparse(served.base).netloc
    elsewhere: list[str] = []

    def only_ours(route: Route) -> None:
        if urlparse(route.request.url).netloc == ours:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page = context.new_page()
    page.route("**/*", only_ours)
    page.goto("/docs")
    expect(page.get_by_role("heading", name="leadrouter")).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/v1/leads/{lead_id}").first
    ).to_be_visible()
    page.screenshot(path=artifacts / "api-docs.png")
    assert elsewhere == []
    page.get_by_role("link", name="Back to leadrouter").click()  # the app: sign in first
    expect(page).to_have_url(re.compile(r"/signin"))
