"""A consumer who asks again is never swallowed: another line is a new lead linked to the first
and routed to its owner when the license gate allows; the same line is shown on the lead, told
to its owner and raises the lead's urgency in the portal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.dashboard.portal import my_leads
from leadrouter.services.leads.activities import log_activity
from leadrouter.store.tables import leads, outbox
from tests.conftest import T0
from tests.support.factories import TestAgency, make_agency, make_license, make_producer
from tests.support.people import sign_in, user

AUTO: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "maria.lopez@example.com",
    "phone": "(212) 867-5309",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


def post(client: TestClient, agency: TestAgency, body: dict[str, Any]) -> Any:
    return client.post("/v1/leads", json=body, headers=agency.headers)


def two_licensed_producers(container: Container, agency: TestAgency) -> tuple[int, int]:
    return (
        make_producer(container, agency.id, 1, licensed_in=["NY"]),
        make_producer(container, agency.id, 2, licensed_in=["NY"]),
    )


def outbox_rows(container: Container, event: str) -> list[Any]:
    with container.engine.connect() as conn:
        return list(
            conn.execute(sa.select(outbox).where(outbox.c.event == event).order_by(outbox.c.id))
        )


def test_a_request_for_another_line_is_a_new_lead_linked_to_the_first_and_given_to_its_owner(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    two_licensed_producers(container, agency)
    first = post(client, agency, AUTO).json()
    clock.advance(timedelta(days=3))
    response = post(client, agency, {**AUTO, "insurance_type": "home"})
    assert response.status_code == 201
    home = response.json()
    assert home["id"] != first["id"]
    assert home["related_lead_id"] == first["id"]
    assert "duplicate_of" not in home
    # Round robin would give the second lead to the other producer; the owner is preferred.
    assert home["owner_id"] == first["owner_id"] is not None
    decision = client.get(f"/v1/leads/{home['id']}/decision", headers=agency.headers).json()
    assert decision["explanation"]["strategy"] == "owner of the related lead"
    assert any(
        f"related lead {first['id']}" in s and "takes the lead" in s
        for s in decision["explanation"]["steps"]
    )
    assert (
        client.get(f"/v1/leads/{home['id']}", headers=agency.headers).json()["related_lead_id"]
        == (first["id"])
    )


def test_the_owner_is_preferred_only_where_the_license_gate_lets_them_take_the_line(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    auto_only = make_producer(container, agency.id, 1, licensed_in=["NY"])
    first = post(client, agency, AUTO).json()
    assert first["owner_id"] == auto_only
    life_agent = make_producer(
        container, agency.id, 2, business_lines=frozenset({"personal", "life"})
    )
    make_license(container, agency.id, life_agent, "NY", "L-LIFE", lines=("life",))
    life = post(client, agency, {**AUTO, "insurance_type": "life"}).json()
    assert life["related_lead_id"] == first["id"]
    assert life["owner_id"] == life_agent
    steps = client.get(f"/v1/leads/{life['id']}/decision", headers=agency.headers).json()[
        "explanation"
    ]["steps"]
    assert any(f"related lead {first['id']}" in s and "license gate" in s for s in steps), steps


def test_a_repeat_for_the_same_line_is_200_with_the_lead_and_its_owner_is_told(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    producers = two_licensed_producers(container, agency)
    first = post(client, agency, AUTO).json()
    clock.advance(timedelta(hours=2))
    response = post(client, agency, AUTO)
    assert response.status_code == 200
    again = response.json()
    assert (again["id"], again["duplicate_of"], again["touch_count"]) == (first["id"],) * 2 + (2,)
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar_one() == 1
    told = outbox_rows(container, "lead.repeated")
    owner = first["owner_id"]
    email = f"p{producers.index(owner) + 1}@agency.example"
    assert {(r.channel, r.recipient) for r in told} == {
        ("inapp", f"producer:{owner}"),
        ("email", email),
    }
    inapp = next(r for r in told if r.channel == "inapp")
    assert "asked again (2 requests so far)" in inapp.payload["message"]


def test_a_repeat_of_a_waiting_lead_alerts_the_supervisors_and_managers(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    first = post(client, agency, AUTO).json()
    assert first["status"] == "queued"
    post(client, agency, AUTO)
    told = outbox_rows(container, "lead.repeated")
    assert [(r.channel, r.recipient) for r in told] == [
        ("inapp", "role:supervisor"),
        ("inapp", "role:manager"),
    ]


def test_a_lead_asked_about_again_since_it_was_last_worked_goes_to_the_top_of_the_portal(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, 1, licensed_in=["NY"])
    older = post(client, agency, AUTO).json()
    clock.advance(timedelta(minutes=1))
    newer = post(
        client, agency, {**AUTO, "phone": "(646) 736-0142", "email": "other@example.com"}
    ).json()
    for lead in (older, newer):
        log_activity(
            uow=container.uow(),
            routing_deps=container.routing,
            agency_id=agency.id,
            lead_id=lead["id"],
            producer_id=producer,
            kind="contact_made",
            at=None,
            note=None,
            now=clock.now(),
        )

    def portal() -> list[Any]:
        return my_leads(
            uow=container.uow(readonly=True),
            deps=container.routing,
            agency_id=agency.id,
            producer_id=producer,
            now=clock.now(),
        )

    assert [lead.lead_id for lead in portal()] == [newer["id"], older["id"]]
    clock.advance(timedelta(hours=1))
    post(client, agency, AUTO)
    top = portal()[0]
    assert (top.lead_id, top.repeats, top.asked_again, top.urgency) == (
        older["id"],
        1,
        True,
        "urgent",
    )
    assert top.last_asked_at == clock.now()


@pytest.mark.slow  # renders three pages; make test-fast skips it
def test_the_lead_page_the_portal_and_the_dashboard_show_how_often_and_when_it_was_asked_again(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, 1, licensed_in=["NY"])
    user(container, agency.id, "boss@agency.example", "manager")
    user(container, agency.id, "pat@agency.example", "producer", producer_id=producer)
    first = post(client, agency, AUTO).json()
    home = post(client, agency, {**AUTO, "insurance_type": "home"}).json()
    for minutes in (10, 42):
        clock.set(T0.replace(minute=minutes))
        post(client, agency, AUTO)
    shown = "asked again 2\N{MULTIPLICATION SIGN} \N{EM DASH} last Tue 09:42"
    with TestClient(create_app(container), base_url="https://testserver") as web:
        sign_in(web, "pat@agency.example")
        assert shown in web.get("/portal").text
        page = web.get(f"/leads/{first['id']}").text
        assert shown in page
        assert f'href="/leads/{home["id"]}"' in page
        assert "asked again Tue 09:10" in page and "asked again Tue 09:42" in page
        web.cookies.clear()
        sign_in(web, "boss@agency.example")
        assert shown in web.get("/dashboard").text
