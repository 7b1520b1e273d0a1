"""Outcomes stop the timers; bound and lost free the producer and drain the queue at once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import (
    events_of,
    lead_of,
    next_due,
    rows_of,
    step,
    subscribe,
)


def test_binding_a_lead_ends_its_assignment_and_the_waiting_lead_takes_the_freed_place(
    container: Container, client: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    subscribe(c, agency.id, "lead.outcome")
    alice = make_producer(c, agency.id, 1, max_open=1, licensed_in=("NY",))
    first, waiting = make_lead(c, agency.id, 1), make_lead(c, agency.id, 2)
    assert lead_of(c, waiting).status == "queued"

    bound = client.post(
        f"/v1/leads/{first}/status",
        headers=agency.headers,
        json={"status": "bound", "premium": "1234.50"},
    )

    assert bound.status_code == 200, bound.text
    assert bound.json()["status"] == "bound"
    (ended,) = rows_of(c, first)
    assert (ended.state, ended.end_reason, ended.next_due_at) == ("ended", "lead bound", None)
    assert (lead_of(c, waiting).status, lead_of(c, waiting).owner_id) == ("assigned", alice)
    assert str(lead_of(c, first).premium) == "1234.50"
    assert lead_of(c, first).response_seconds == 0  # bound means they were reached
    (hook,) = events_of(c, "lead.outcome", "webhook")
    assert (hook.payload["outcome"], hook.payload["premium"], hook.payload["producer_id"]) == (
        "bound",
        1234.5,
        alice,
    )


def test_contacted_and_quoted_stop_the_timers_and_lost_releases_the_lead(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    step(c)
    assert next_due(c) is not None

    contacted = client.post(
        f"/v1/leads/{lead}/status", headers=agency.headers, json={"status": "contacted"}
    )
    assert contacted.status_code == 200
    assert next_due(c) is None
    assert rows_of(c, lead)[0].ended_at is None  # still the producer's lead
    clock.advance(timedelta(days=2))
    assert step(c).actions == 0

    lost = client.post(
        f"/v1/leads/{lead}/status",
        headers=agency.headers,
        json={"status": "lost", "reason": "bought elsewhere"},
    )
    assert lost.status_code == 200
    assert rows_of(c, lead)[0].end_reason == "lead lost"
    refused = client.post(
        f"/v1/leads/{lead}/status", headers=agency.headers, json={"status": "quoted"}
    )
    assert refused.status_code == 409


def test_a_lead_put_in_nurture_keeps_only_its_monthly_emails(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)

    nurture = client.post(
        f"/v1/leads/{lead}/status", headers=agency.headers, json={"status": "nurture"}
    )

    assert nurture.status_code == 200
    assert next_due(c) == t0 + timedelta(days=30)
