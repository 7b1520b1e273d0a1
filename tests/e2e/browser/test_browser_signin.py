"""Signing in with a real browser: a wrong password is refused, the right one opens the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser.conftest import Served, sign_in

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def test_a_manager_is_refused_with_a_wrong_password_then_signs_in_and_out(
    context: BrowserContext, artifacts: Path
) -> None:
    page = context.new_page()
    page.goto("/dashboard")
    expect(page).to_have_url("/signin?next=%2Fdashboard")
    page.screenshot(path=artifacts / "signin.png")

    sign_in(page, "manager@browser.example", "not my password")
    expect(page.get_by_role("alert")).to_contain_text("do not match")

    sign_in(page, "manager@browser.example")
    expect(page).to_have_url("/dashboard")
    cookie = next(c for c in context.cookies() if c["name"] == "lr_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url("/signin")
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_every_page_fits_a_phone_without_scrolling_sideways(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    lead = served.post_lead(401, first_name="Narrow")
    page = phone.new_page()
    for email, paths in (
        ("manager@browser.example", ("/dashboard", "/reports", "/replay", f"/leads/{lead}")),
        ("alice@browser.example", ("/portal",)),
        ("compliance@browser.example", ("/compliance",)),
    ):
        phone.clear_cookies()
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            name = path.strip("/").replace("/", "-")
            page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"


def test_an_address_that_is_no_page_shows_a_page_with_a_way_back(
    phone: BrowserContext, artifacts: Path
) -> None:
    page = phone.new_page()
    sign_in(page, "manager@browser.example")
    response = page.goto("/dashbord")  # a typed address, one letter short
    assert response is not None and response.status == 404
    page.screenshot(path=artifacts / "phone-no-such-page.png", full_page=True)
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.get_by_role("link", name="Back to your page").click()
    expect(page).to_have_url("/dashboard")
