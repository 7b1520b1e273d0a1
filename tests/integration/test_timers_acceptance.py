"""Offers that must be accepted in time: expiry, decline and acceptance, each recorded."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.tables import decisions
from leadrouter.worker import Worker
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import (
    ACCEPT_IN_TWO_MINUTES,
    advance,
    decision_kinds,
    events_of,
    lead_of,
    next_due,
    rows_of,
    step,
    timing_policy,
)


def test_an_offer_that_times_out_goes_to_the_next_producer_who_may_decline_or_accept(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    ben, cara = (
        make_producer(c, agency.id, 2, licensed_in=("NY",)),
        make_producer(c, agency.id, 3, licensed_in=("NY",)),
    )

    (offer,) = rows_of(c, lead)
    assert (offer.producer_id, offer.state, offer.accept_by) == (
        alice,
        "offered",
        t0 + timedelta(minutes=2),
    )
    notice = events_of(c, "lead.assigned", "email")[0]
    assert "Please accept it by" in notice.payload["body"]
    step(c)
    assert next_due(c) == t0 + timedelta(minutes=2)  # nothing else runs while the offer waits

    assert advance(c, clock) == t0 + timedelta(minutes=2)
    expired, second = rows_of(c, lead)
    assert (expired.producer_id, expired.state, expired.end_reason) == (
        alice,
        "expired",
        "offer not accepted in time",
    )
    assert (second.producer_id, second.kind, second.state) == (ben, "reoffer", "offered")
    assert second.accept_by == t0 + timedelta(minutes=4)

    clock.advance(timedelta(seconds=30))
    declined = client.post(
        f"/v1/leads/{lead}/decline",
        headers=agency.headers,
        json={"producer_id": ben, "reason": "out sick"},
    )
    assert declined.status_code == 200, declined.text
    assert declined.json() == {
        "lead_id": lead,
        "producer_id": ben,
        "state": "declined",
        "next_outcome": "assigned",
        "next_producer_id": cara,
    }

    clock.advance(timedelta(seconds=30))
    accepted = client.post(
        f"/v1/leads/{lead}/accept", headers=agency.headers, json={"producer_id": cara}
    )
    assert accepted.status_code == 200, accepted.text
    again = client.post(
        f"/v1/leads/{lead}/accept", headers=agency.headers, json={"producer_id": cara}
    )
    assert again.status_code == 200  # accepting twice is harmless
    assert (
        client.post(
            f"/v1/leads/{lead}/accept", headers=agency.headers, json={"producer_id": alice}
        ).status_code
        == 409
    )

    listed = client.get(f"/v1/leads/{lead}/assignments", headers=agency.headers).json()["items"]
    assert [(a["producer_id"], a["state"]) for a in listed] == [
        (alice, "expired"),
        (ben, "declined"),
        (cara, "active"),
    ]
    assert listed[2]["accepted_at"] == "2026-03-03T14:03:00Z"
    assert [k[:2] for k in decision_kinds(c, lead)] == [
        ("route", "assigned"),
        ("offer_expired", "expired"),
        ("reoffer", "assigned"),
        ("decline", "declined"),
        ("reoffer", "assigned"),
        ("accept", "accepted"),
    ]
    with c.engine.connect() as conn:
        query = sa.select(decisions.c.actor).where(decisions.c.lead_id == lead)
        actors = conn.execute(query.order_by(decisions.c.seq)).scalars().all()
    # The re-offer after the expiry is the time engine's act; the one after the decline is not.
    assert (actors[2], actors[4]) == ("time engine", None)
    # Cara's ladder counts from her acceptance: her 5-minute alert is at 14:08.
    step(c)
    assert next_due(c) == t0 + timedelta(minutes=5)
    assert advance(c, clock) == t0 + timedelta(minutes=5)  # the consumer's messages (per lead)
    assert next_due(c) == t0 + timedelta(minutes=8)


def test_an_offer_cannot_be_answered_after_it_expired_or_by_another_producer(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)

    wrong = client.post(
        f"/v1/leads/{lead}/decline", headers=agency.headers, json={"producer_id": alice + 1}
    )
    assert wrong.status_code == 409
    assert "not offered to producer" in wrong.json()["detail"]
    clock.advance(timedelta(minutes=2))
    late = client.post(
        f"/v1/leads/{lead}/accept", headers=agency.headers, json={"producer_id": alice}
    )
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]
    missing = client.post(
        "/v1/leads/999999/accept", headers=agency.headers, json={"producer_id": alice}
    )
    assert missing.status_code == 404


def test_when_everyone_refused_the_offer_the_lead_waits_in_the_queue(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)

    clock.advance(timedelta(minutes=2))
    step(c)

    (expired,) = rows_of(c, lead)
    assert expired.state == "expired"
    queued = events_of(c, "lead.queued", "inapp")
    assert queued and "no other producer holds an active NY license" in queued[0].payload["message"]
    assert lead_of(c, lead).status == "queued"

    # Draining the queue later does not offer it again to the producer who let it expire.
    clock.advance(timedelta(minutes=5))
    Worker(c, channels={}).tick()
    assert lead_of(c, lead).status == "queued"
    assert len(rows_of(c, lead)) == 1


def test_when_every_offer_expires_the_lead_waits_ownerless_with_a_true_reason(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    four = [make_producer(c, agency.id, n, licensed_in=("NY",)) for n in range(1, 5)]
    lead = make_lead(c, agency.id, 1)

    while advance(c, clock) is not None:
        pass

    assert [r.state for r in rows_of(c, lead)] == ["expired"] * 4
    assert {r.producer_id for r in rows_of(c, lead)} == set(four)
    waiting = lead_of(c, lead)
    assert (waiting.status, waiting.owner_id) == ("queued", None)
    body = client.get(f"/v1/leads/{lead}", headers=agency.headers).json()
    assert body["owner_id"] is None
    (entry,) = client.get("/v1/queue", headers=agency.headers).json()["items"]
    assert "no other producer holds" not in entry["reason"]
    assert "4" in entry["reason"] and "NY" in entry["reason"], entry["reason"]
