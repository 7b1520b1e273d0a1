"""The browser tests' world: the real app server (uvicorn, an SQLite file) and Debian's
chromium driven by Playwright, both started here.

The agency is seeded through the real services before the server starts: Alice (licensed
in New York) and Ben (New Jersey) are always at work, offers must be accepted, and each has
a user, as has a manager. A New York lead goes to Alice, a New Jersey lead to Ben. A second
agency has Dana (Pennsylvania) alone, for the paging test's pages of leads: her leads never
touch the first agency's lists, counts or candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from leadrouter.domain.model import Role
from leadrouter.services.admin.agencies import create_agency
from leadrouter.services.admin.security import update_security
from leadrouter.store.agency_repo import agency_today
from tests.support.factories import make_license, make_producer, migrated
from tests.support.people import PASSWORD, user
from tests.support.serving import running_server
from tests.support.time_engine import timing_policy

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# How long a browser test waits for a page to act or to show what it expects: the contexts'
# actions and expect()'s assertions alike (expect() waited 5 s, its own default, and a page
# loaded while the machine was busy showed the docs page's heading after that).
WAIT_MS = 15_000
ACCEPT_IN_TEN_MINUTES = "timing:\n  acceptance: {required: true, within_seconds: 600}\n"
VOICE_TOKEN = "browser-voice-token"  # the agency's provider auth token (signs voice hooks)


@dataclass(frozen=True)
class Served:
    """The running app and who can use it."""

    base: str
    key: str
    alice: int
    ben: int
    database_url: str
    form_key: str  # the agency's public forms and provider hooks
    paging_key: str  # the second agency's, whose only producer is Dana

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def post_lead(self, n: int, *, state: str = "NY", **fields: str) -> int:
        """A lead through the JSON API; New York goes to Alice, New Jersey to Ben, Texas to
        nobody (it waits for a license); Pennsylvania to Dana, in the second agency."""
        body = {
            "first_name": fields.pop("first_name", "Casey"),
            "last_name": f"Browser{n}",
            "email": f"browser{n}@consumer.example",
            "phone": f"(646) 555-{n:04d}",
            "zip": {"NY": "10001", "NJ": "07030", "PA": "19103", "TX": "78701"}[state],
            "insurance_type": "personal_auto",
            **fields,
        }
        headers = {"Authorization": f"Bearer {self.paging_key}"} if state == "PA" else self.headers
        done = httpx.post(f"{self.base}/v1/leads", headers=headers, json=body, timeout=30)
        assert done.status_code == 201, done.text  # (a Texas lead's status is queued)
        return int(done.json()["id"])


def _seed(url: str) -> tuple[str, int, int, str, str]:
    c = migrated(url)
    try:
        agency = create_agency(uow=c.uow(), name="Browser Agency", now=c.clock.now())
        timing_policy(c, agency.agency_id, ACCEPT_IN_TEN_MINUTES)
        update_security(
            uow=c.uow(), sealer=c.sealer, agency_id=agency.agency_id, sms_auth_token=VOICE_TOKEN
        )
        alice = make_producer(c, agency.agency_id, 1, name="Alice Moreno", licensed_in=("NY",))
        ben = make_producer(c, agency.agency_id, 2, name="Ben Okafor", licensed_in=("NJ",))
        user(c, agency.agency_id, "manager@browser.example", Role.MANAGER)
        user(c, agency.agency_id, "alice@browser.example", Role.PRODUCER, producer_id=alice)
        user(c, agency.agency_id, "ben@browser.example", Role.PRODUCER, producer_id=ben)
        user(c, agency.agency_id, "compliance@browser.example", Role.COMPLIANCE)
        with c.uow(readonly=True) as uow:  # the page counts days in the agency's time zone
            today = agency_today(uow.conn, agency.agency_id, c.clock.now())
        soon = today + timedelta(days=20)  # for the compliance page
        make_license(c, agency.agency_id, ben, "CT", "CT-20", expires=soon, resident=False)
        paging = create_agency(uow=c.uow(), name="Paging Agency", now=c.clock.now())
        timing_policy(c, paging.agency_id, ACCEPT_IN_TEN_MINUTES)
        dana = make_producer(c, paging.agency_id, 3, name="Dana Pager", licensed_in=("PA",))
        user(c, paging.agency_id, "dana@browser.example", Role.PRODUCER, producer_id=dana)
    finally:
        c.engine.dispose()
    return agency.api_key, alice, ben, agency.public_form_key, paging.api_key


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{home / 'leadrouter.db'}"
    key, alice, ben, form_key, paging_key = _seed(url)
    with (
        (home / "server.log").open("wb") as log,
        running_server(home, "--no-demo", "--no-worker", output=log) as base,
    ):
        yield Served(
            base=base,
            key=key,
            alice=alice,
            ben=ben,
            database_url=url,
            form_key=form_key,
            paging_key=paging_key,
        )


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # launch() gives the browser a fresh, throw-away user-data directory of its own.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    expect.set_options(timeout=WAIT_MS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, served: Served) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test, at desktop size."""
    ctx = browser.new_context(base_url=served.base, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def phone(browser: Browser, served: Served) -> Iterator[BrowserContext]:
    """A fresh browser profile on a phone-sized, touch viewport."""
    ctx = browser.new_context(
        base_url=served.base, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def artifacts(pytestconfig: pytest.Config) -> Path:
    """Where the screenshots go (gitignored): look at them."""
    path = pytestconfig.rootpath / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page as a person would."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
