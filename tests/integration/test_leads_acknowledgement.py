"""A waiting lead's consumer is acknowledged: by email, or by text when only a phone is known,
within the consumer's contact hours, once a day per number, never to a number that opted out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify.sms import RecordingSms
from leadrouter.services.leads.opt_out import receive_inbound_sms
from leadrouter.store.tables import outbox
from tests.support.factories import TestAgency, make_agency
from tests.support.notify import channels_for, dispatch

PHONE_ONLY: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "phone": "(212) 867-5309",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


def phone_only_agency(client: TestClient, container: Container) -> TestAgency:
    """An agency taking leads without an email, and nobody to route them to (they wait)."""
    agency = make_agency(container)
    required = ["first_name", "last_name", "phone", "zip", "insurance_type"]
    answer = client.put(
        "/v1/agency/settings", json={"required_fields": required}, headers=agency.headers
    )
    assert answer.status_code == 200, answer.text
    return agency


def post(client: TestClient, agency: TestAgency, body: dict[str, Any]) -> Any:
    response = client.post("/v1/leads", json=body, headers=agency.headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "queued"
    return response.json()


def acks(container: Container) -> list[Any]:
    with container.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(outbox).where(outbox.c.event == "lead.acknowledged").order_by(outbox.c.id)
            )
        )


def test_a_phone_only_lead_is_acknowledged_by_text_in_contact_hours(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = phone_only_agency(client, container)
    lead = post(client, agency, PHONE_ONLY)
    [ack] = acks(container)
    assert (ack.channel, ack.recipient, ack.next_attempt_at) == (
        "sms",
        "+12128675309",
        clock.now(),
    )
    assert ack.payload["consumer_lead_id"] == lead["id"]
    sms = RecordingSms()
    dispatch(container, channels_for(container, sms=sms))
    assert sms.sent == [
        (
            "+12128675309",
            "Acme Insurance: we received your personal auto request. A licensed agent will "
            "contact you as soon as one is available. Reply STOP to opt out.",
        )
    ]


def test_at_night_the_text_waits_for_the_consumers_morning(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = phone_only_agency(client, container)
    clock.set(datetime(2026, 3, 4, 3, 30, tzinfo=UTC))  # 22:30 the evening before in New York
    post(client, agency, PHONE_ONLY)
    morning = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)  # 08:00 in New York
    [ack] = acks(container)
    assert ack.next_attempt_at == morning
    sms = RecordingSms()
    dispatch(container, channels_for(container, sms=sms))
    assert sms.sent == []
    dispatch(container, channels_for(container, sms=sms), now=morning)
    assert [to for to, _ in sms.sent] == ["+12128675309"]


def test_one_text_a_day_per_number_however_many_leads_name_it(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = phone_only_agency(client, container)
    post(client, agency, PHONE_ONLY)
    clock.advance(timedelta(minutes=10))
    post(client, agency, {**PHONE_ONLY, "insurance_type": "home"})
    assert len(acks(container)) == 1
    clock.advance(timedelta(days=1))
    post(client, agency, {**PHONE_ONLY, "insurance_type": "renters"})
    assert len(acks(container)) == 2


def test_a_number_that_opted_out_gets_no_text(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = phone_only_agency(client, container)
    post(client, agency, PHONE_ONLY)
    receive_inbound_sms(
        uow=container.uow(),
        agency_id=agency.id,
        from_number="+12128675309",
        body="STOP",
        now=clock.now(),
    )
    clock.advance(timedelta(days=2))
    post(client, agency, {**PHONE_ONLY, "insurance_type": "home"})
    assert len(acks(container)) == 1


def test_a_lead_with_an_email_is_acknowledged_by_email_only(
    client: TestClient, container: Container
) -> None:
    agency = phone_only_agency(client, container)
    post(client, agency, {**PHONE_ONLY, "email": "maria@example.com"})
    assert [(a.channel, a.recipient) for a in acks(container)] == [("email", "maria@example.com")]
