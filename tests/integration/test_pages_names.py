"""Pages name people and leads as people read them: on a lead's page, who answered an offer
(when it was offered, by when it had to be answered, and no empty table of candidates); on
the dashboard, each waiting lead by its name."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.services.routing.offers import accept_offer
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.people import sign_in, user
from tests.support.time_engine import ACCEPT_IN_TWO_MINUTES, timing_policy


@pytest.fixture
def web(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver") as test_client:
        yield test_client


def _decisions(page: str) -> list[str]:
    """The text of each decision block on the lead page, newest first."""
    blocks = re.findall(r'<div class="decision">(.*?)\n    </div>', page, flags=re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", b))).strip() for b in blocks]


def test_an_accepted_offer_names_who_accepted_and_shows_no_empty_candidate_table(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    alice = make_producer(c, agency.id, 1, name="Alice Moreno", licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    accept_offer(
        uow=c.uow(), caches=c.routing, agency_id=agency.id, lead_id=lead, producer_id=alice,
        now=c.clock.now(),
    )  # fmt: skip
    user(c, agency.id, "boss@agency.example", "manager")
    sign_in(web, "boss@agency.example")

    page = web.get(f"/leads/{lead}").text
    accepted, routed = _decisions(page)
    assert accepted.startswith("Accept → accepted"), accepted
    assert "by Alice Moreno" in accepted and "producer " not in accepted, accepted
    assert "Offered " in accepted and "answer by " in accepted, accepted
    assert "Candidates of this decision" not in accepted  # no table without candidates
    assert "Candidates of this decision" in routed and "Alice Moreno" in routed, routed


def test_the_dashboard_queue_names_each_waiting_lead_as_people_read_it(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)  # nobody licensed in Texas: the lead waits
    lead = make_lead(c, agency.id, 1, zip_code="78701", first_name="Maria", last_name="Lopez")
    user(c, agency.id, "boss@agency.example", "manager")
    sign_in(web, "boss@agency.example")

    page = web.get("/dashboard").text
    assert f'<a href="/leads/{lead}#why">Maria Lopez</a>' in page, "not 'Lead 1'"


def test_a_decision_under_no_stored_policy_says_the_shipped_default_not_policy_v0(
    container: Container, web: TestClient
) -> None:
    c = container
    agency = make_agency(c)  # no policy stored: the shipped default decides (version 0)
    lead = make_lead(c, agency.id, 1, zip_code="78701")
    user(c, agency.id, "boss@agency.example", "manager")
    sign_in(web, "boss@agency.example")

    (queued,) = _decisions(web.get(f"/leads/{lead}").text)
    assert queued.startswith("Route → queued"), queued
    assert "· the shipped default policy" in queued and "policy v0" not in queued, queued
