"""The compliance officer's page in a real browser: coverage by state and line, an expiring
license, a lead refused by the license gate (one click from its explanation), and the audit
chain verified."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser.conftest import Served, sign_in

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def test_a_compliance_officer_sees_coverage_expiries_gate_refusals_and_the_chain(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    texan = served.post_lead(601, state="TX", first_name="Tex")
    page = context.new_page()
    sign_in(page, "compliance@browser.example")
    expect(page).to_have_url("/compliance")

    coverage = page.get_by_role("table", name="Licensed producers by state and line of authority")
    expect(coverage.get_by_role("rowheader", name="CT")).to_be_visible()
    expect(page.locator("#expiring")).to_contain_text("Ben Okafor · CT CT-20")
    expect(page.locator("#expiring")).to_contain_text("in 20 days")
    # CT-20's last day is 20 days off: coverage ends the day after, not "in 30 d"
    last_day = re.search(r"expires (\d{4}-\d{2}-\d{2})", page.locator("#expiring").inner_text())
    assert last_day is not None
    gap_from = date.fromisoformat(last_day.group(1)) + timedelta(days=1)
    expect(coverage.get_by_role("row", name="CT")).to_contain_text(f"gap from {gap_from}")
    expect(page.locator("#chain")).to_contain_text("Verified: intact")
    refusals = page.get_by_role("table", name="Leads that waited because nobody was licensed")
    expect(refusals).to_contain_text("no producer holds an active TX license")
    page.screenshot(path=artifacts / "compliance.png", full_page=True)

    refusals.get_by_role("link", name="Tex Browser601").click()  # named, as everywhere
    expect(page).to_have_url(f"/leads/{texan}#why")
    expect(page.get_by_role("heading", name="Why it went where it went")).to_be_visible()
    expect(page.locator("#why")).to_contain_text("no producer holds an active TX license")
    page.screenshot(path=artifacts / "compliance-lead.png", full_page=True)

    # Compliance verifies; it does not work leads: the producer portal is not theirs.
    assert page.goto("/portal").status == 403


def test_a_manager_finds_the_compliance_page_in_the_menu(
    context: BrowserContext, served: Served
) -> None:
    """Managers may read the compliance page; the menu showed it to compliance officers only."""
    page = context.new_page()
    sign_in(page, "manager@browser.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page).to_have_url("/compliance")
    expect(page.get_by_role("heading", name="License coverage today")).to_be_visible()
