"""The producer portal on a phone: accept, log, outcomes; only one's own leads; CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

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
    explained too, not silently dropped. Each answer names what was typed, so the second
    refusal is told from the first (on her screen, and here: the test waits for this save's
    own answer, never for the alert the last save left)."""
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
    for typed, answer in (
        ("abc", 'Premium "abc" is not a number: type it like 1200.'),
        ("1" * 25, f'Premium "{"1" * 20}…": at most 20 characters, like 1200.'),
    ):
        premium.fill(typed)
        card.get_by_role("button", name="Save outcome").click()
        alert = card.get_by_role("alert")
        expect(alert).to_have_text(answer)
        expect(alert).to_be_in_viewport()
        settled(page)
        page.screenshot(path=artifacts / "portal-outcome-refused.png", animations="disabled")


def test_a_saved_outcome_shows_in_its_card_as_saved_not_as_it_was_typed(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    """A refused save keeps what the producer typed, to mend; a save that succeeds shows the
    lead as saved: the new status and the premium as stored, the form closed and holding
    the saved outcome, not her typing (the policy number a quote does not keep)."""
    lead = served.post_lead(704, state="NY", first_name="Saved")
    page = phone.new_page()
    sign_in(page, "alice@browser.example")
    card = page.locator(f"article[aria-labelledby=lead-{lead}]")
    card.get_by_role("button", name="Accept").click()
    expect(card.locator(".badge")).to_have_text("assigned")
    form = card.locator("details")
    card.locator("summary").click()
    card.get_by_role("radio", name="Quoted").check()
    premium = card.get_by_label("Premium, $ (quoted or bound)")
    policy = card.get_by_label("Policy number (if bound)")
    premium.fill("1,250.5O")
    policy.fill("typed-not-saved")
    card.get_by_role("button", name="Save outcome").click()
    expect(card.get_by_role("alert")).to_have_text(
        'Premium "1,250.5O" is not a number: type it like 1200.'
    )
    settled(page)
    expect(premium).to_have_value("1,250.5O")  # refused: her typing stays, to mend
    expect(policy).to_have_value("typed-not-saved")

    premium.fill("$1,250.50")
    card.get_by_role("button", name="Save outcome").click()
    expect(card.get_by_role("status")).to_have_text("Marked quoted.")
    settled(page)
    expect(card.locator(".badge")).to_have_text("quoted")
    expect(form).not_to_have_attribute("open", "")
    expect(card).to_contain_text("quoted $1,251")
    page.screenshot(path=artifacts / "portal-outcome-saved.png", animations="disabled")
    card.locator("summary").click()
    expect(card.get_by_role("radio", name="Quoted")).to_be_checked()
    expect(premium).to_have_value("1250.50")
    expect(policy).to_have_value("")
    card.screenshot(path=artifacts / "portal-outcome-saved-open.png", animations="disabled")


def test_a_producer_with_many_leads_pages_through_them_on_a_phone(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    """Sixty leads offered to Dana: the first page holds fifty, "More" shows the last ten,
    and accepting one there answers on that same page."""
    ids = [served.post_lead(n, state="PA", first_name="Paging") for n in range(1001, 1061)]
    page = phone.new_page()
    sign_in(page, "dana@browser.example")
    expect(page.get_by_role("heading", name="Open leads 1-50 of 60")).to_be_visible()
    expect(page.locator("article.lead")).to_have_count(50)
    expect(page.get_by_role("heading", name="Paging Browser1001")).to_be_visible()
    expect(page.get_by_role("heading", name="Paging Browser1051")).to_have_count(0)
    page.screenshot(path=artifacts / "portal-page-1.png")
    more = page.get_by_role("link", name="More: 51-60 of 60")
    more.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "portal-page-1-end.png")

    more.click()
    expect(page.get_by_role("heading", name="Open leads 51-60 of 60")).to_be_visible()
    expect(page.locator("article.lead")).to_have_count(10)
    expect(page.get_by_role("heading", name="Paging Browser1001")).to_have_count(0)
    expect(page.get_by_role("link", name="Top of my list")).to_be_visible()
    page.screenshot(path=artifacts / "portal-page-2.png")

    card = page.locator(f"article[aria-labelledby=lead-{ids[-1]}]")
    card.get_by_role("button", name="Accept").click()
    expect(card.get_by_role("status")).to_have_text("Accepted: the lead is yours.")
    expect(card.locator(".badge")).to_have_text("assigned")
    expect(page.locator("article.lead")).to_have_count(10)  # still the second page
    settled(page)
    page.screenshot(path=artifacts / "portal-page-2-accepted.png", animations="disabled")
    page.get_by_role("link", name="Top of my list").click()
    expect(page.get_by_role("heading", name="Open leads 1-50 of 60")).to_be_visible()


def test_the_portal_and_a_lead_page_load_without_a_missing_file_or_a_console_error(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    """Everything a producer's phone asks for, from signing in to a lead's page (its icon,
    style sheet, scripts, htmx's answers), is there, and nothing is refused or fails."""
    lead = served.post_lead(705, state="NY", first_name="Loaded")
    page = phone.new_page()
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: failed.append(f"{r.failure} {r.url}"))
    page.on(  # a missing icon shows only here: the page's response events never see it
        "console",
        lambda m: m.type == "error" and failed.append(f"{m.text} {m.location.get('url')}"),
    )
    page.on("pageerror", lambda e: failed.append(f"page error: {e}"))
    sign_in(page, "alice@browser.example")
    expect(page).to_have_url("/portal")
    page.wait_for_load_state("networkidle")
    card = page.locator(f"article[aria-labelledby=lead-{lead}]")
    card.get_by_role("button", name="Accept").click()
    expect(card.locator(".badge")).to_have_text("assigned")
    card.get_by_role("link", name="Loaded Browser705").click()
    expect(page).to_have_url(f"/leads/{lead}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts / "portal-lead-page.png", full_page=True)
    assert failed == []


def settled(page: Page) -> None:
    """Wait until htmx has no request in flight and has swapped and settled its answer."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)
