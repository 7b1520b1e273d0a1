"""The producer portal on a phone: accept, log, outcomes; only one's own leads; CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser.conftest import Served, sign_in

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def test_a_producer_cannot_open_or_work_another_producers_lead(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    bens = served.post_lead(201, state="NJ", first_name="Bennie")
    alices = served.post_lead(202, state="NY", first_name="Alicia")
    page = phone.new_page()
    sign_in(page, "alice@browser.example")
    expect(page).to_have_url("/portal")
    expect(page.get_by_role("heading", name="Alicia Browser202")).to_be_visible()
    expect(page.get_by_text("Bennie Browser201")).to_have_count(0)

    response = page.goto(f"/leads/{bens}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_have_text("This lead is not yours.")
    page.screenshot(path=artifacts / "portal-not-yours.png")

    token = page.goto("/portal") and page.locator("input[name=csrf_token]").first.get_attribute(
        "value"
    )
    assert token
    for action, form in (("log", {"kind": "contact_made"}), ("outcome", {"status": "lost"})):
        done = page.request.post(
            f"/portal/leads/{bens}/{action}",
            form={**form, "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert done.status == 200 and "not" in done.text() and 'role="alert"' in done.text()
    assert page.goto(f"/leads/{alices}") is not None
    expect(page.get_by_role("heading", name="Why it went where it went")).to_be_visible()


def test_form_posts_without_the_csrf_token_are_refused(
    context: BrowserContext, served: Served
) -> None:
    lead = served.post_lead(203, state="NY")
    page = context.new_page()
    sign_in(page, "alice@browser.example")
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = page.request.post(
            f"/portal/leads/{lead}/log", form={"kind": "call_attempt"}, headers=headers
        )
        assert refused.status == 403, refused.text()
        assert "security token" in refused.text()
    refused = page.request.post("/signout", form={})
    assert refused.status == 403
    page.goto("/portal")
    expect(page.get_by_role("heading", name="My leads")).to_be_visible()


def test_a_refused_outcome_is_explained_beside_the_lead_it_was_typed_in(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    """A producer far down her list types a bad premium: the reason shows in that lead's
    card, on her screen, not at the top of the list; a premium too long for the form is
    explained too, not silently dropped."""
    ids = [served.post_lead(n, state="NY", first_name="Outcome") for n in (701, 702, 703)]
    page = phone.new_page()
    sign_in(page, "alice@browser.example")
    for lead in ids:
        card = page.locator(f"article[aria-labelledby=lead-{lead}]")
        card.get_by_role("button", name="Accept").click()
        expect(card.locator(".badge")).to_have_text("assigned")
    lowest = page.locator("article.lead").last.get_attribute("aria-labelledby")
    card = page.locator(f"article[aria-labelledby={lowest}]")  # the same lead after each swap
    card.locator("summary").click()
    card.get_by_role("radio", name="Quoted").check()
    premium = card.get_by_label("Premium, $ (quoted or bound)")
    for typed in ("abc", "1" * 25):
        premium.fill(typed)
        card.get_by_role("button", name="Save outcome").click()
        alert = card.get_by_role("alert")
        expect(alert).to_contain_text("Premium")
        expect(alert).to_be_in_viewport()
        page.screenshot(path=artifacts / "portal-outcome-refused.png")
