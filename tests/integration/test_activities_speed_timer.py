"""Activities of the lead's owner, and the speed timer: first contact and response time."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import (
    lead_of,
    next_due,
    rows_of,
    step,
)


def test_the_owner_logs_attempts_then_a_contact_which_records_the_response_time(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    step(c)
    url = f"/v1/leads/{lead}/activities"

    clock.advance(timedelta(minutes=3))
    for kind in ("call_attempt", "voicemail", "text"):
        made = client.post(url, headers=agency.headers, json={"producer_id": alice, "kind": kind})
        assert made.status_code == 201, made.text
    assert next_due(c) == t0 + timedelta(minutes=5)  # an attempt is not a contact
    clock.advance(timedelta(minutes=10))
    contact = client.post(
        url,
        headers=agency.headers,
        json={
            "producer_id": alice,
            "kind": "contact_made",
            "at": "2026-03-03T14:04:30Z",
            "note": "wants a quote for two cars",
        },
    )
    assert contact.status_code == 201, contact.text

    listed = client.get(url, headers=agency.headers).json()
    assert [a["kind"] for a in listed["items"]] == [
        "call_attempt",
        "voicemail",
        "text",
        "contact_made",
    ]
    assert listed["items"][-1]["at"] == "2026-03-03T14:04:30Z"
    assert (
        listed["first_assigned_at"],
        listed["first_contact_at"],
        listed["response_seconds"],
    ) == ("2026-03-03T14:00:00Z", "2026-03-03T14:04:30Z", 270)
    assert rows_of(c, lead)[0].contacted_at == t0 + timedelta(minutes=4, seconds=30)
    assert lead_of(c, lead).status == "contacted"
    assert next_due(c) is None

    clock.advance(timedelta(hours=1))
    again = client.post(
        url, headers=agency.headers, json={"producer_id": alice, "kind": "contact_made"}
    )
    assert again.status_code == 201
    assert client.get(url, headers=agency.headers).json()["response_seconds"] == 270


def test_only_the_owner_may_log_and_bad_activities_are_refused(
    container: Container, client: TestClient
) -> None:
    c = container
    agency, other = make_agency(c), make_agency(c, "Other Agency")
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    ben = make_producer(c, agency.id, 2, licensed_in=("NY",))
    url = f"/v1/leads/{lead}/activities"

    not_owner = client.post(url, headers=agency.headers, json={"producer_id": ben, "kind": "note"})
    assert not_owner.status_code == 409
    assert not_owner.json()["detail"] == (
        f"producer {ben} does not own lead {lead} (producer {alice} does)"
    )
    future = client.post(
        url,
        headers=agency.headers,
        json={"producer_id": alice, "kind": "note", "at": "2026-03-04T14:00:00Z"},
    )
    assert future.status_code == 422
    unknown = client.post(
        url, headers=agency.headers, json={"producer_id": alice, "kind": "carrier_pigeon"}
    )
    assert unknown.status_code == 422
    assert (
        client.post(
            url, headers=other.headers, json={"producer_id": alice, "kind": "note"}
        ).status_code
        == 404
    )
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.get(url, headers=agency.headers).json()["items"] == []
