"""Intent scoring as events arrive: the lead's score and tier, the change log, the queue."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.store.tables import queue_entries
from tests.support.factories import TestAgency as Agency
from tests.support.factories import make_agency

BODY = {
    "first_name": "Ana",
    "last_name": "Reyes",
    "email": "ana@example.com",
    "phone": "(212) 736-0142",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


def _lead(client: TestClient, agency: Agency, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/leads", json={**BODY, **extra}, headers=agency.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _event(client: TestClient, agency: Agency, lead_id: int, type: str, **data: Any) -> None:
    body = {"type": type, "at": "2026-03-03T13:30:00Z", "data": data}
    response = client.post(f"/v1/leads/{lead_id}/events", json=body, headers=agency.headers)
    assert response.status_code == 201, response.text


def _get(client: TestClient, agency: Agency, lead_id: int) -> dict[str, Any]:
    return dict(client.get(f"/v1/leads/{lead_id}", headers=agency.headers).json())


def test_a_lead_gets_a_tier_from_its_events_and_each_change_is_logged(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead = _lead(client, agency)
    assert lead["intent_tier"] is None  # nothing known of its behavior yet
    _event(client, agency, lead["id"], "email_opened")
    first = _get(client, agency, lead["id"])
    assert (first["intent_tier"], first["intent_score"], first["intent_source"]) == (
        "low",
        1.0,
        "events",
    )
    _event(client, agency, lead["id"], "page_view", page="/pricing", seconds=120)
    _event(client, agency, lead["id"], "quote_request")
    after = _get(client, agency, lead["id"])
    assert after["intent_tier"] == "high"
    events = client.get(
        f"/v1/leads/{lead['id']}/events?with_tier_changes=true", headers=agency.headers
    ).json()["items"]
    changes = [
        (e["data"]["from"], e["data"]["to"]) for e in events if e["type"] == "intent_tier_changed"
    ]
    assert changes == [(None, "low"), ("low", "high")]


def test_a_queued_lead_moves_up_the_queue_when_its_tier_rises(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)  # no producers: every lead waits
    lead = _lead(client, agency)
    assert lead["status"] == "queued"

    def priority() -> int:
        with container.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(queue_entries.c.priority).where(
                        queue_entries.c.lead_id == lead["id"], queue_entries.c.resolved_at.is_(None)
                    )
                ).scalar_one()
            )

    assert priority() == 0
    _event(client, agency, lead["id"], "quote_started")
    _event(client, agency, lead["id"], "pricing_view")
    assert priority() == 30


def test_a_senders_tier_stands_unless_the_agency_turns_senders_tiers_off(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    kept = _lead(client, agency, intent_tier="high")
    _event(client, agency, kept["id"], "page_view", page="/blog", seconds=5)
    after = _get(client, agency, kept["id"])
    assert (after["intent_tier"], after["intent_source"]) == ("high", "sender")
    assert after["intent_score"] < 0  # a bounce, scored all the same

    put = client.put(
        "/v1/agency/settings", json={"sender_intent_tier": False}, headers=agency.headers
    )
    assert put.status_code == 200, put.text
    other = _lead(client, agency, intent_tier="high", email="b@example.com", phone="(212) 736-0143")
    assert other["intent_tier"] is None  # not kept even before any event arrives
    _event(client, agency, other["id"], "page_view", page="/blog", seconds=5)
    assert _get(client, agency, other["id"])["intent_tier"] == "low"
