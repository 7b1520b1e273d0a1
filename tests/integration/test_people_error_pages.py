"""A browser's error pages (not found, not allowed, failed) keep the signed-in person's
navigation and a link to their own page; the API keeps its problem+json."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from tests.support.factories import make_agency, make_producer
from tests.support.people import sign_in, user

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    app = create_app(container)

    @app.get("/broken-page", include_in_schema=False)
    def _broken() -> None:
        raise RuntimeError("a page that fails")

    agency = make_agency(container)
    alice = make_producer(container, agency.id, 1, licensed_in=("NY",))
    user(container, agency.id, "boss@agency.example", "manager")
    user(container, agency.id, "alice@agency.example", "producer", producer_id=alice)
    user(container, agency.id, "audit@agency.example", "compliance")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


def _nav(html: str) -> list[str]:
    found = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


def _back(html: str) -> str:
    found = re.search(r'<a href="([^"]+)">Back to your page</a>', html)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("who", "path", "status", "nav", "home"),
    [
        (
            "boss",
            "/dashbord",
            404,
            ["/dashboard", "/reports", "/replay", "/compliance"],
            "/dashboard",
        ),
        ("alice", "/dashboard", 403, ["/portal"], "/portal"),
        ("audit", "/broken-page", 500, ["/compliance"], "/compliance"),
    ],
)
def test_an_error_page_keeps_the_navigation_and_a_way_back_to_your_own_page(
    web: TestClient, who: str, path: str, status: int, nav: list[str], home: str
) -> None:
    sign_in(web, f"{who}@agency.example")

    shown = web.get(path, headers=HTML)

    assert shown.status_code == status
    assert shown.headers["content-type"].startswith("text/html")
    assert _nav(shown.text) == nav
    assert _back(shown.text) == home
    assert "Sign out" in shown.text
    assert "script-src 'self'" in shown.headers["content-security-policy"]


def test_an_error_page_offers_sign_in_to_nobody_signed_in(web: TestClient) -> None:
    shown = web.get("/no-such-page", headers=HTML)

    assert shown.status_code == 404
    assert _nav(shown.text) == []
    assert '<a href="/signin">Sign in</a>' in shown.text


def test_a_failure_outside_a_browser_page_stays_problem_json(web: TestClient) -> None:
    failed = web.get("/broken-page", headers={"Accept": "application/json"})

    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["title"] == "Internal error"
