"""Live calls on the dashboard in a real browser: a caller asked for a ZIP waits, a call
rings a producer, is answered and ends, and the panel follows each step without a reload."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from leadrouter.sim.calls import CallSimulator
from tests.e2e.browser.conftest import VOICE_TOKEN, Served, sign_in

pytestmark = pytest.mark.slow  # a real browser and server; still in make test


def test_a_manager_watches_calls_wait_ring_and_go_live_on_the_dashboard(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    page = context.new_page()
    with page.expect_response("**/dashboard/stream"):
        sign_in(page, "manager@browser.example")
    expect(page).to_have_url("/dashboard")
    page.evaluate("window.notReloaded = true")
    panel = page.locator("section", has=page.get_by_role("heading", name="Live calls"))
    expect(panel).to_contain_text("No calls right now.")

    with httpx.Client(base_url=served.base, headers=served.headers, timeout=30) as http:
        sim = CallSimulator(client=http, form_key=served.form_key, token=VOICE_TOKEN, licensed={})
        hook = f"/hooks/voice/{served.form_key}"
        waiting = {"CallSid": "CAbrowser1", "From": "+12127360901"}
        asked = sim.post(hook, waiting)
        assert "<Gather" in asked.text
        row = panel.locator("tr", has_text="(212) 736-0901")
        expect(row).to_contain_text("waiting")
        expect(row).to_contain_text("unknown")

        ringing = {"CallSid": "CAbrowser2", "From": "+12127360902", "zip": "10001"}
        dialed = sim.post(hook, {**ringing, "first_name": "Rita", "last_name": "Caller"})
        assert "<Dial" in dialed.text and "+12125550001" in dialed.text
        live = panel.locator("tr", has_text="Rita Caller")
        expect(live).to_contain_text("ringing")
        expect(live).to_contain_text("Alice Moreno")
        expect(live).to_contain_text("NY")
        page.screenshot(path=artifacts / "dashboard-calls-ringing.png", full_page=True)

        # The waiting caller types a New York ZIP; Alice is on a call, Ben holds no NY
        # license: the caller gets the fallback and leaves the panel.
        gathered = sim.post(f"{hook}?tries=1", {**waiting, "Digits": "10001"})
        assert "<Record" in gathered.text
        expect(row).to_have_count(0)

        leg = {"ParentCallSid": "CAbrowser2", "CallSid": "CAbrowser2L"}
        status = sim.post(
            f"{hook}/status?producer={served.alice}", {**leg, "CallStatus": "in-progress"}
        )
        assert status.status_code == 200, status.text
        expect(live).to_contain_text("in progress")
        page.screenshot(path=artifacts / "dashboard-calls-in-progress.png", full_page=True)

        ended = sim.post(
            f"{hook}/dial-result",
            {**ringing, "DialCallStatus": "completed", "DialCallDuration": "61"},
        )
        assert ended.status_code == 200
        expect(panel).to_contain_text("No calls right now.")
    assert page.evaluate("window.notReloaded") is True
