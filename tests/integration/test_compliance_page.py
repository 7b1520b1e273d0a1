"""The compliance page: coverage by state x line, expiring licenses, license-gate refusals
from the decision log and the audit chain's state, each from the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.roster.specs import TerritorySpec
from leadrouter.services.admin.audit import issue_checkpoint
from leadrouter.services.compliance.overview import compliance_overview
from leadrouter.services.roster.territories import create_territory
from tests.support.factories import make_agency, make_lead, make_license, make_producer
from tests.support.people import sign_in, user


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


@pytest.mark.slow  # a whole page over a seeded agency; make test-fast skips it
def test_the_compliance_page_shows_coverage_expiries_gate_refusals_and_the_chain(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, name="Alice Moreno", licensed_in=("NY",))
    make_license(c, agency.id, alice, "NJ", "NJ-7", expires=date(2026, 3, 20), resident=False)
    user(c, agency.id, "audit@agency.example", "compliance")
    make_lead(c, agency.id, 1)  # New York: Alice
    texan = make_lead(c, agency.id, 2, zip_code="78701")  # Texas: nobody is licensed
    issue_checkpoint(uow=c.uow(), agency_id=agency.id, now=c.clock.now())
    make_lead(c, agency.id, 3)

    view = compliance_overview(uow=c.uow(readonly=True), agency_id=agency.id, now=c.clock.now())
    assert view.states == ["NJ", "NY", "TX"]  # Texas sends leads: a gap, shown
    assert view.unlicensed == {"TX": 1}
    assert view.grid[("NJ", "personal_lines")].producers == 1
    assert view.grid[("NJ", "personal_lines")].gap_in == 30
    # the page names the day coverage ends (NJ-7's last day is the 20th), not the horizon
    assert view.grid[("NJ", "personal_lines")].gap_from == date(2026, 3, 21)
    assert view.grid[("NY", "personal_lines")].gap_in is None
    assert [(e.state, e.number, e.days_left) for e in view.expiring] == [("NJ", "NJ-7", 17)]
    assert [(r.lead_id, r.state) for r in view.refusals] == [(texan, "TX")]
    assert "no producer holds an active TX license" in view.refusals[0].reason
    assert view.chain.intact and view.chain.records == 3 and view.chain.unsealed == 1

    sign_in(web, "audit@agency.example")
    page = web.get("/compliance")
    assert page.status_code == 200
    for shown in (
        "Verified: intact",
        "3 decision records",
        "1 record since",
        "NJ NJ-7",
        "in 17 days",
        "gap from 2026-03-21",
        "Licenses lapsed (last 30 days) or expiring (next 60)",  # it lists lapsed ones too
        f'href="/leads/{texan}#why"',
        "no producer holds an active TX license",
    ):
        assert shown in page.text, shown


def test_refusals_and_waiting_leads_a_week_apart_show_their_dates(
    container: Container, web: TestClient, clock: FixedClock
) -> None:
    """A Texas lead refused a week before another at the same hour: an auditor (and the
    manager's queue) must tell them apart, not read "Tue 09:00" twice."""
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    user(c, agency.id, "audit@agency.example", "compliance")
    user(c, agency.id, "boss@agency.example", "manager")
    clock.advance(timedelta(days=-7))
    make_lead(c, agency.id, 1, zip_code="78701")
    clock.advance(timedelta(days=7))
    make_lead(c, agency.id, 2, zip_code="78701")

    for who, path in (("audit", "/compliance"), ("boss", "/dashboard")):
        web.cookies.clear()
        sign_in(web, f"{who}@agency.example")
        page = web.get(path).text
        assert "Tue 24 Feb 09:00" in page and "Tue 3 Mar 09:00" in page, path


def test_states_with_leads_or_territories_but_no_license_show_as_gaps(
    container: Container, web: TestClient, clock: FixedClock
) -> None:
    """Texas sends leads and a territory names Pennsylvania, yet nobody holds a license in
    either: each is a row of zeros marked as a gap, not left off the grid. A state last seen
    in a lead months ago is not."""
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    user(c, agency.id, "audit@agency.example", "compliance")
    clock.advance(timedelta(days=-120))
    make_lead(c, agency.id, 1, zip_code="33101")  # Florida, long ago
    clock.advance(timedelta(days=120))
    make_lead(c, agency.id, 2, zip_code="78701")
    make_lead(c, agency.id, 3, zip_code="78701")
    create_territory(
        uow=c.uow(),
        agency_id=agency.id,
        spec=TerritorySpec(name="Keystone", states=frozenset({"PA"}), pod="east"),
        now=c.clock.now(),
    )

    view = compliance_overview(uow=c.uow(readonly=True), agency_id=agency.id, now=c.clock.now())
    assert view.states == ["NY", "PA", "TX"]
    assert view.unlicensed == {"PA": 0, "TX": 2}

    sign_in(web, "audit@agency.example")
    page = web.get("/compliance").text
    coverage = page[page.index('id="coverage"') : page.index('id="refusals"')]
    assert '<th scope="row">TX <span class="badge bad">gap</span>' in coverage
    assert "nobody licensed · 2 leads in 90 days" in coverage
    assert '<th scope="row">PA <span class="badge bad">gap</span>' in coverage
    assert "nobody licensed · 0 leads in 90 days" in coverage
    assert '<th scope="row">NY</th>' in coverage
    assert "FL" not in coverage


def test_refused_leads_are_named_as_elsewhere_and_link_to_their_page(
    container: Container, web: TestClient
) -> None:
    """A refused lead reads "Maria Lopez" as on the dashboard, not "Lead 42", and still
    opens the lead's explanation."""
    c = container
    agency = make_agency(c)
    user(c, agency.id, "audit@agency.example", "compliance")
    maria = make_lead(c, agency.id, 1, zip_code="78701", first_name="Maria", last_name="Lopez")

    sign_in(web, "audit@agency.example")
    page = web.get("/compliance").text
    refusals = page[page.index('id="refusals"') :]
    assert f'<a href="/leads/{maria}#why">Maria Lopez</a>' in refusals
    assert f"Lead {maria}" not in refusals
