"""Replay in a real browser: a manager pastes a candidate policy, runs it against the days
the optimizer routed, and reads the result when the background job is done."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.domain.model import Role
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.policy import put_policy
from tests.e2e.browser.conftest import Served, sign_in
from tests.support.factories import make_producer
from tests.support.people import user

pytestmark = pytest.mark.slow  # a real browser and server; still in make test

OPTIMIZER = """
name: optimizer
routing:
  steps: [{type: availability}, {type: caps}]
  strategy: {type: optimizer, exploration: 0.3}
"""
CANDIDATE = """name: round robin
routing:
  steps: [{type: availability}, {type: caps}]
  strategy: {type: round_robin}
"""


def _optimized_agency(served: Served) -> None:
    """An agency of its own (the other browser tests keep theirs): two producers, six leads
    routed by an exploring optimizer, and a manager."""
    c = bootstrap(Settings(database_url=served.database_url))
    try:
        new = create_agency(uow=c.uow(), name="Replay Agency", now=c.clock.now())
        put_policy(
            uow=c.uow(),
            agency_id=new.agency_id,
            text=OPTIMIZER,
            fmt="yaml",
            actor=None,
            now=c.clock.now(),
        )
        for n, name in ((1, "Rita Chen"), (2, "Sam Ortiz")):
            make_producer(c, new.agency_id, n, name=name, licensed_in=("NY",))
        user(c, new.agency_id, "manager@replay.example", Role.MANAGER)
    finally:
        c.engine.dispose()
    for n in range(6):
        body = {
            "first_name": "Rey",
            "last_name": f"Play{n}",
            "email": f"replay{n}@consumer.example",
            "phone": f"(646) 555-07{n:02d}",
            "zip": "10001",
            "insurance_type": "personal_auto",
        }
        done = httpx.post(
            f"{served.base}/v1/leads",
            headers={"Authorization": f"Bearer {new.api_key}"},
            json=body,
            timeout=30,
        )
        assert done.status_code == 201, done.text


def _replay_as_manager(page: Page, name: str, policy: str) -> None:
    """Sign in as the browser agency's manager and run a replay of ``policy`` named ``name``."""
    sign_in(page, "manager@browser.example")
    page.goto("/replay")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Policy (YAML or JSON)").fill(policy)
    page.get_by_role("button", name="Run the replay").click()


def test_a_manager_replays_a_candidate_policy_and_reads_the_estimates(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    _optimized_agency(served)
    page = context.new_page()
    sign_in(page, "manager@replay.example")
    page.get_by_role("link", name="Replay").click()
    expect(page).to_have_url("/replay")
    page.get_by_label("Name").fill("round robin instead")
    page.get_by_label("Policy (YAML or JSON)").fill(CANDIDATE)
    since = page.get_by_label("From")
    yesterday = date.fromisoformat(since.input_value()) + timedelta(days=29)
    since.fill(yesterday.isoformat())
    page.screenshot(path=artifacts / "replay-form.png", full_page=True)

    page.get_by_role("button", name="Run the replay").click()
    expect(page).to_have_url(re.compile(r"/replay/runs/\d+$"))
    # the job's last step loads scikit-learn in a process that has not needed it yet: a limit
    # for hangs, not a timing
    expect(page.get_by_role("heading", name="Summary of 6 decisions")).to_be_visible(timeout=60_000)
    estimates = page.locator("section", has=page.get_by_role("heading", name="Binds under"))
    for name in ("IPS", "SNIPS", "DR", "DR, w<=5"):
        expect(estimates.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    who = page.locator("section", has=page.get_by_role("heading", name="Who would have got"))
    # round robin takes turns: three each
    expect(who.get_by_role("row", name="Rita Chen")).to_contain_text("3")
    expect(who.get_by_role("row", name="Sam Ortiz")).to_contain_text("3")
    page.screenshot(path=artifacts / "replay-result.png", full_page=True)

    page.get_by_role("link", name="another replay").click()
    expect(page.get_by_role("link", name="round robin instead")).to_be_visible()


def test_a_policy_that_does_not_parse_comes_back_with_its_reasons_and_the_text_kept(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    """The error page said only "the policy document is invalid", and its way back lost the
    pasted document."""
    bad = "name: typo\nrouting:\n  strategy: {type: round_robbin}\n"
    page = context.new_page()
    _replay_as_manager(page, "my typo", bad)

    expect(page).to_have_url("/replay")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Not run: the policy document is invalid")
    expect(problem).to_contain_text("routing.strategy")
    expect(page.get_by_label("Policy (YAML or JSON)")).to_have_value(bad)
    expect(page.get_by_label("Name")).to_have_value("my typo")
    page.screenshot(path=artifacts / "replay-refused.png", full_page=True)

    page.get_by_label("Policy (YAML or JSON)").fill(CANDIDATE)
    page.get_by_label("until (not included)").fill(page.get_by_label("From").input_value())
    page.get_by_role("button", name="Run the replay").click()
    expect(page.get_by_role("alert")).to_contain_text("last day must come after its first")
    expect(page.get_by_label("Policy (YAML or JSON)")).to_have_value(CANDIDATE)


def test_a_long_replay_name_wraps_on_a_phone(
    phone: BrowserContext, served: Served, artifacts: Path
) -> None:
    """A name of 200 letters without a space (the form's limit) widened the run's page to
    thousands of pixels."""
    page = phone.new_page()
    _replay_as_manager(page, "N" * 200, CANDIDATE)
    expect(page).to_have_url(re.compile(r"/replay/runs/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("N" * 200)
    page.screenshot(path=artifacts / "replay-long-name-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/replay")
    expect(page.get_by_role("link", name="N" * 200)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_name_past_200_characters_is_refused_on_the_form_with_what_was_typed(
    context: BrowserContext, served: Served, artifacts: Path
) -> None:
    """A pasted 250-character name was cut to 200 (by the field, then by the server)
    without a word."""
    name = "Spring rebalancing, " + "w" * 230
    page = context.new_page()
    _replay_as_manager(page, name, CANDIDATE)

    expect(page).to_have_url("/replay")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Not run: the name is too long")
    expect(problem).to_contain_text("Name: at most 200 characters, not 250")
    expect(page.get_by_label("Name")).to_have_value(name)
    expect(page.get_by_label("Policy (YAML or JSON)")).to_have_value(CANDIDATE)
    page.screenshot(path=artifacts / "replay-long-name.png", full_page=True)
