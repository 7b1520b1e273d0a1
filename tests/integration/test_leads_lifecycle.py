"""Lead status changes (stored with timestamps) and behavioral events."""

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.domain.model import LeadStatus
from leadrouter.errors import Conflict
from leadrouter.services.leads.intake import change_status_in_tx, get_lead
from leadrouter.store.tables import lead_status_changes, leads
from tests.support.factories import LEAD_BODY, make_agency, make_lead


def change_status(
    *, uow: Any, agency_id: int, lead_id: int, status: str, reason: str | None, now: Any
) -> None:
    """A status change in its own transaction (what routing and outcomes do inside theirs)."""
    with uow:
        change_status_in_tx(
            uow.conn, agency_id=agency_id, lead_id=lead_id, status=status, reason=reason, now=now
        )
        uow.commit()


def test_each_status_change_is_stored_with_its_time_and_reason(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    for status, reason in (
        ("queued", "no producer licensed in NY"),
        ("assigned", "rr"),
        ("contacted", None),
        ("quoted", "$1,200/yr"),
        ("bound", "won"),
    ):
        clock.advance(timedelta(minutes=10))
        change_status(
            uow=container.uow(),
            agency_id=agency.id,
            lead_id=lead_id,
            status=status,
            reason=reason,
            now=clock.now(),
        )
    lead = client.get(f"/v1/leads/{lead_id}", headers=agency.headers).json()
    assert lead["status"] == "bound"
    assert lead["status_changed_at"] == "2026-03-03T14:50:00Z"
    assert [(h["status"], h["at"][11:16], h["reason"]) for h in lead["status_history"]] == [
        ("new", "14:00", "received"),
        ("queued", "14:10", "no producer licensed in NY"),
        ("assigned", "14:20", "rr"),
        ("contacted", "14:30", None),
        ("quoted", "14:40", "$1,200/yr"),
        ("bound", "14:50", "won"),
    ]


def test_people_record_outcomes_over_the_api(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    response = client.post(
        f"/v1/leads/{lead_id}/status",
        json={"status": "contacted", "reason": "left voicemail"},
        headers=agency.headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "contacted"


def test_only_routing_assigns_so_the_api_refuses_assigned(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    response = client.post(
        f"/v1/leads/{lead_id}/status", json={"status": "assigned"}, headers=agency.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_a_change_the_lifecycle_forbids_is_409_and_changes_nothing(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    response = client.post(
        f"/v1/leads/{lead_id}/status", json={"status": "bound"}, headers=agency.headers
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "status", "reason": "cannot go from new to bound"}
    ]
    lead = get_lead(uow=container.uow(), agency_id=agency.id, lead_id=lead_id)
    assert lead["status"] == "new"
    assert len(lead["status_history"]) == 1


def test_a_change_made_inside_a_callers_transaction_rolls_back_with_it(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    with pytest.raises(RuntimeError), container.uow() as uow:
        change_status_in_tx(
            uow.conn,
            agency_id=agency.id,
            lead_id=lead_id,
            status=LeadStatus.QUEUED,
            reason="x",
            now=container.clock.now(),
        )
        raise RuntimeError("routing failed after the status change")
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(leads.c.status)).scalar_one() == "new"
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(lead_status_changes)).scalar_one()
            == 1
        )
    with container.uow() as uow:
        change_status_in_tx(
            uow.conn,
            agency_id=agency.id,
            lead_id=lead_id,
            status=LeadStatus.QUEUED,
            reason="x",
            now=container.clock.now(),
        )
        uow.commit()
    assert get_lead(uow=container.uow(), agency_id=agency.id, lead_id=lead_id)["status"] == (
        "queued"
    )


def test_a_bound_lead_refuses_further_changes(container: Container, client: TestClient) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    for status in ("assigned", "bound"):
        change_status(
            uow=container.uow(),
            agency_id=agency.id,
            lead_id=lead_id,
            status=status,
            reason=None,
            now=container.clock.now(),
        )
    with pytest.raises(Conflict):
        change_status(
            uow=container.uow(),
            agency_id=agency.id,
            lead_id=lead_id,
            status="lost",
            reason=None,
            now=container.clock.now(),
        )


def test_behavioral_events_are_recorded_and_listed_in_time_order(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    later = client.post(
        f"/v1/leads/{lead_id}/events",
        headers=agency.headers,
        json={
            "type": "quote_started",
            "at": "2026-03-03T13:55:00Z",
            "data": {"step": 2},
        },
    )
    earlier = client.post(
        f"/v1/leads/{lead_id}/events",
        headers=agency.headers,
        json={
            "type": "page_view",
            "at": "2026-03-03T09:50:00-04:00",
        },
    )
    assert (later.status_code, earlier.status_code) == (201, 201)
    assert earlier.json()["at"] == "2026-03-03T13:50:00Z"
    events = client.get(f"/v1/leads/{lead_id}/events", headers=agency.headers).json()["items"]
    assert [(e["type"], e["data"]) for e in events] == [
        ("page_view", {}),
        ("quote_started", {"step": 2}),
    ]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "call", "at": "2026-03-03T13:00:00"}, "at"),
        ({"type": "call", "at": "2026-03-04T13:00:00Z"}, "at"),
        ({"type": "Call Made!", "at": "2026-03-03T13:00:00Z"}, "type"),
        ({"type": "call", "at": "2026-03-03T13:00:00Z", "data": {"x": "y" * 5000}}, "data"),
        ({"type": "call", "at": "2026-03-03T13:00:00Z", "extra": 1}, "extra"),
        ({"at": "2026-03-03T13:00:00Z"}, "type"),
    ],
)
def test_a_bad_event_is_refused_naming_the_field(
    client: TestClient, container: Container, event: dict[str, Any], field: str
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    response = client.post(f"/v1/leads/{lead_id}/events", json=event, headers=agency.headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
