"""GET /v1/leads/{id} and the filtered, paginated GET /v1/leads."""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.intake.listing import LeadFilter
from leadrouter.services.leads.intake import change_status_in_tx, get_lead, list_leads, receive_lead
from tests.support.factories import LEAD_BODY, make_agency, make_lead


def _people(n: int) -> list[dict[str, Any]]:
    return [
        {
            **LEAD_BODY,
            "first_name": f"Person{i}",
            "phone": f"(646) 736-01{i:02d}",
            "email": f"p{i}@example.com",
        }
        for i in range(n)
    ]


def test_a_lead_is_read_back_with_its_status_history(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    lead_id = make_lead(container, agency.id, routed=False, **LEAD_BODY)
    clock.advance(timedelta(minutes=3))
    client.post(
        f"/v1/leads/{lead_id}/status",
        json={"status": "contacted", "reason": "called"},
        headers=agency.headers,
    )
    lead = client.get(f"/v1/leads/{lead_id}", headers=agency.headers).json()
    assert lead["id"] == lead_id
    assert lead["status"] == "contacted"
    assert lead["status_history"] == [
        {"status": "new", "at": "2026-03-03T14:00:00Z", "reason": "received"},
        {"status": "contacted", "at": "2026-03-03T14:03:00Z", "reason": "called"},
    ]
    assert "duplicate_of" not in lead


def test_what_the_after_store_hook_did_is_in_the_answer(container: Container) -> None:
    agency = make_agency(container)

    def route(conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime) -> None:
        change_status_in_tx(
            conn,
            agency_id=agency_id,
            lead_id=lead_id,
            status="queued",
            reason="nobody licensed",
            now=now,
        )

    result = receive_lead(
        uow=container.uow(),
        agency_id=agency.id,
        payload=LEAD_BODY,
        idempotency_key=None,
        now=container.clock.now(),
        after_store=route,
    )
    assert json.loads(result.body)["status"] == "queued"
    lead = get_lead(uow=container.uow(), agency_id=agency.id, lead_id=result.lead_id)
    assert [h["status"] for h in lead["status_history"]] == ["new", "queued"]


def test_a_failing_hook_leaves_no_lead_behind(container: Container) -> None:
    agency = make_agency(container)

    def broken(conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime) -> None:
        raise RuntimeError("routing blew up")

    with pytest.raises(RuntimeError):
        receive_lead(
            uow=container.uow(),
            agency_id=agency.id,
            payload=LEAD_BODY,
            idempotency_key="k",
            now=container.clock.now(),
            after_store=broken,
        )
    page = list_leads(uow=container.uow(), agency_id=agency.id, filters=LeadFilter())
    assert page.items == []


def test_an_unknown_or_absurd_lead_id_is_404_or_422_never_500(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    assert client.get("/v1/leads/999999", headers=agency.headers).status_code == 404
    assert client.get("/v1/leads/99999999999999999999", headers=agency.headers).status_code == 422
    assert client.get("/v1/leads/abc", headers=agency.headers).status_code == 422


def test_pages_follow_the_cursor_newest_first_without_gaps_or_repeats(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    ids = [make_lead(container, agency.id, routed=False, **b) for b in _people(7)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/leads", params=params, headers=agency.headers).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    assert pages == 3


def test_leads_are_filtered_by_what_operations_ask_for(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    people = _people(4)
    people[1] |= {"insurance_type": "home", "zip": "07030"}
    people[2] |= {"source": "google", "last_name": "O'Brien_50%"}
    ids = []
    for body in people:
        ids.append(make_lead(container, agency.id, routed=False, **body))
        clock.advance(timedelta(hours=1))
    client.post(f"/v1/leads/{ids[3]}/status", json={"status": "lost"}, headers=agency.headers)

    def found(**params: Any) -> list[int]:
        response = client.get("/v1/leads", params=params, headers=agency.headers)
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["items"])

    assert found(insurance_type="home") == [ids[1]]
    assert found(state="nj") == [ids[1]]
    assert found(source="google") == [ids[2]]
    assert found(status="lost") == [ids[3]]
    assert found(status=["new", "lost"]) == sorted(ids)
    assert found(created_after="2026-03-03T15:00:00Z", created_before="2026-03-03T17:00:00Z") == [
        ids[1],
        ids[2],
    ]
    assert found(q="person2") == [ids[2]]
    assert found(q="50%") == [ids[2]]
    assert found(q="o'brien") == [ids[2]]
    assert found(q="person0 p0@example") == [ids[0]]
    assert found(q="646-736-0103") == [ids[3]]
    assert found(q="nobody") == []
    assert found(owner_id=1) == []


def test_bad_filters_are_named(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    for params, field in (
        ({"limit": 201}, "limit"),
        ({"status": "sleeping"}, "status.0"),
        ({"created_after": "2026-03-03T15:00:00"}, "created_after"),
        ({"cursor": "forged"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ):
        response = client.get("/v1/leads", params=params, headers=agency.headers)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field
