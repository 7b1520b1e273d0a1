"""The live dashboard in a real browser: new leads and producers' work show up without a
reload; each lead's explanation is one click away; a chart's bar lists its leads."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.conftest import Served, sign_in

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def _dashboard(context: BrowserContext) -> Page:
    page = context.new_page()
    with page.expect_response("**/dashboard/stream"):
        sign_in(page, "manager@browser.example")
    expect(page).to_have_url("/dashboard")
    page.evaluate("window.notReloaded = true")
    return page


def test_a_manager_sees_a_lead_posted_through_the_api_appear_live_then_opens_its_explanation(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    page = _dashboard(context)
    lead = served.post_lead(301, first_name="Dashie")
    link = page.get_by_role("link", name="Dashie Browser301", exact=True)
    expect(link).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=artifacts / "dashboard.png", full_page=True)

    link.click()
    expect(page).to_have_url(f"/leads/{lead}#why")
    why = page.locator("#why")
    expect(why.get_by_role("heading", name="Why it went where it went")).to_be_visible()
    expect(why.get_by_role("row", name="Alice Moreno")).to_contain_text("chosen")
    expect(why).to_contain_text("1 hold no license in NY")  # Ben, licensed in New Jersey only
    page.screenshot(path=artifacts / "lead-explanation.png", full_page=True)

    page.go_back()
    page.get_by_role("link", name="never, ").first.click()
    expect(page.locator("#behind")).to_contain_text("Dashie Browser301")


def test_a_producer_on_a_phone_accepts_a_lead_and_logs_a_contact_and_the_managers_table_updates(
    context: BrowserContext, phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    board = _dashboard(context)
    served.post_lead(302, first_name="Phoebe")
    expect(board.get_by_role("link", name="Phoebe Browser302", exact=True)).to_be_visible()
    alices_row = board.locator(f"#producers tr[data-producer='{served.alice}']")
    contacted = alices_row.locator("td").nth(1)
    before = int(contacted.inner_text())

    portal = phone.new_page()
    sign_in(portal, "alice@browser.example")
    card = portal.locator("article", has=portal.get_by_role("heading", name="Phoebe Browser302"))
    expect(card).to_contain_text("left, then the offer goes to someone else")
    expect(card.get_by_role("link", name="Call (646) 555-0302")).to_have_attribute(
        "href", "tel:+16465550302"
    )
    expect(card.get_by_role("link", name="Text")).to_have_attribute("href", "sms:+16465550302")
    portal.screenshot(path=artifacts / "portal-offer.png", full_page=True)

    card.get_by_role("button", name="Accept").click()
    expect(portal.get_by_role("status")).to_have_text("Accepted: the lead is yours.")
    card.get_by_role("button", name="Log contact").click()
    expect(portal.get_by_role("status")).to_have_text("Contact logged.")
    expect(card.locator(".badge")).to_have_text("contacted")
    portal.screenshot(path=artifacts / "portal-contacted.png", full_page=True)

    expect(contacted).to_have_text(str(before + 1))
    assert board.evaluate("window.notReloaded") is True
    board.screenshot(path=artifacts / "dashboard-after-contact.png", full_page=True)


def _edges(shot: bytes) -> tuple[float, float]:
    """The median brightness (0 black to 255 white) of a table box's leftmost and rightmost
    few pixel columns: text crossing an edge is a minority of its pixels, a shadow is all."""
    with Image.open(io.BytesIO(shot)) as image:
        grey = image.convert("L")
        width, height = grey.size
        columns = [
            [grey.getpixel((x, y)) for x in xs for y in range(height)]
            for xs in (range(1, 5), range(width - 5, width - 1))
        ]
    left, right = (float(statistics.median(c)) for c in columns)
    return left, right


def test_a_table_wider_than_a_phone_shows_a_shadow_on_the_side_with_more_columns(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    served.post_lead(303, first_name="Wide")
    page = phone.new_page()
    sign_in(page, "manager@browser.example")
    expect(page).to_have_url("/dashboard")
    box = page.locator(".scroll", has=page.locator("#recent"))
    expect(box.get_by_role("link", name="Wide Browser303")).to_be_visible()
    hidden = box.evaluate("el => el.scrollWidth - el.clientWidth")
    assert hidden > 0, "the newest leads' table fits the phone: nothing to check"

    left, right = _edges(box.screenshot())
    box.screenshot(path=artifacts / "phone-table-scroll-start.png")
    assert left > 240 and right < 220, (left, right)  # more to the right

    box.evaluate("el => { el.scrollLeft = el.scrollWidth }")
    left, right = _edges(box.screenshot())
    box.screenshot(path=artifacts / "phone-table-scroll-end.png")
    assert left < 220 and right > 240, (left, right)  # more to the left
