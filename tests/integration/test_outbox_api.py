from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify import outbox
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.store.tables import lead_events, leads
from tests.support.factories import insert_lead, make_agency, make_producer
from tests.support.hooks import give_sms_token, post_sms
from tests.support.notify import channels_for, dispatch


def queue(container: Container, agency_id: int) -> int:
    with container.uow() as uow:
        message_id = outbox.enqueue(
            uow.conn,
            agency_id=agency_id,
            channel="sms",
            event="x",
            recipient="+12127360100",
            payload={"body": "hi"},
            now=container.clock.now(),
        )
        uow.commit()
    return message_id


def test_the_outbox_lists_newest_first_in_pages_and_filters_by_status(
    client: TestClient,
    container: Container,
) -> None:
    agency = make_agency(container)
    ids = [queue(container, agency.id) for _ in range(3)]
    first = client.get("/v1/outbox", params={"limit": 2}, headers=agency.headers).json()
    assert [m["id"] for m in first["items"]] == [ids[2], ids[1]]
    rest = client.get(
        "/v1/outbox",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=agency.headers,
    ).json()
    assert [m["id"] for m in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    pending = client.get("/v1/outbox", params={"status": "pending"}, headers=agency.headers)
    assert len(pending.json()["items"]) == 3
    one = client.get(f"/v1/outbox/{ids[0]}", headers=agency.headers).json()
    assert (one["status"], one["recipient"], one["payload"]) == (
        "pending",
        "+12127360100",
        {"body": "hi"},
    )
    bad = client.get("/v1/outbox", params={"status": "lost"}, headers=agency.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def test_only_dead_letters_can_be_retried_and_only_by_their_agency(
    client: TestClient,
    container: Container,
) -> None:
    agency = make_agency(container, "A")
    other = make_agency(container, "B")
    message_id = queue(container, agency.id)
    assert client.post(f"/v1/outbox/{message_id}/retry", headers=agency.headers).status_code == 409
    assert client.post(f"/v1/outbox/{message_id}/retry", headers=other.headers).status_code == 404
    assert client.get(f"/v1/outbox/{message_id}", headers=other.headers).status_code == 404
    assert client.get("/v1/outbox", headers=other.headers).json()["items"] == []
    assert client.get("/v1/outbox").status_code == 401


def test_webhook_endpoints_are_created_listed_changed_and_deleted(
    client: TestClient,
    container: Container,
) -> None:
    agency = make_agency(container)
    created = client.post(
        "/v1/webhook-endpoints",
        headers=agency.headers,
        json={
            "url": "https://crm.example/hooks/leads",
            "events": ["lead.assigned", "lead.created"],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    assert body["events"] == ["lead.created", "lead.assigned"]
    listed = client.get("/v1/webhook-endpoints", headers=agency.headers).json()["items"]
    assert [e["id"] for e in listed] == [body["id"]] and listed[0]["secret"] is None
    rotated = client.patch(
        f"/v1/webhook-endpoints/{body['id']}",
        headers=agency.headers,
        json={"rotate_secret": True, "events": ["lead.outcome"]},
    ).json()
    assert rotated["secret"] not in (None, body["secret"]) and rotated["events"] == ["lead.outcome"]
    refused = client.post(
        "/v1/webhook-endpoints",
        headers=agency.headers,
        json={"url": "https://x.example", "events": ["lead.exploded"]},
    )
    assert refused.status_code == 422
    assert (
        client.delete(f"/v1/webhook-endpoints/{body['id']}", headers=agency.headers).status_code
        == 204
    )
    assert (
        client.get(f"/v1/webhook-endpoints/{body['id']}", headers=agency.headers).status_code == 404
    )


def test_in_app_alerts_reach_the_dashboard_and_can_be_marked_read(
    client: TestClient,
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    now = clock.now()
    pat = make_producer(
        container, agency.id, name="Pat Producer", email="pat@agency.example", phone="+12127360100"
    )
    with container.uow() as uow:
        lead_id = insert_lead(uow.conn, agency_id=agency.id, now=now)
        enqueue_alert(
            uow.conn,
            agency_id=agency.id,
            kind="escalation.alert_producer",
            message="Call Ada Lovelace now",
            producer_id=pat,
            lead_id=lead_id,
            now=now,
        )
        enqueue_alert(
            uow.conn,
            agency_id=agency.id,
            kind="escalation.alert_manager",
            message="Ada Lovelace has waited an hour",
            role="manager",
            now=now,
        )
        uow.commit()
    assert client.get("/v1/alerts", headers=agency.headers).json()["items"] == []  # not yet sent
    assert dispatch(container, channels_for(container)).sent == 2

    mine = client.get(
        "/v1/alerts", params={"producer_id": pat, "unread": True}, headers=agency.headers
    ).json()["items"]
    assert [(a["kind"], a["message"], a["lead_id"]) for a in mine] == [
        ("escalation.alert_producer", "Call Ada Lovelace now", lead_id)
    ]
    managers = client.get("/v1/alerts", params={"role": "manager"}, headers=agency.headers)
    assert [a["message"] for a in managers.json()["items"]] == ["Ada Lovelace has waited an hour"]
    read = client.post(f"/v1/alerts/{mine[0]['id']}/read", headers=agency.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (
        client.get(
            "/v1/alerts", params={"producer_id": pat, "unread": True}, headers=agency.headers
        ).json()["items"]
        == []
    )
    other = make_agency(container, "Other")
    assert client.post(f"/v1/alerts/{mine[0]['id']}/read", headers=other.headers).status_code == 404


def test_a_stop_text_marks_that_numbers_leads_do_not_contact_and_records_it(
    client: TestClient,
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container, "A")
    other = make_agency(container, "B")
    now = clock.now()
    with container.uow() as uow:
        first = insert_lead(uow.conn, agency_id=agency.id, now=now, phone="+12127360123")
        second = insert_lead(uow.conn, agency_id=agency.id, now=now, phone="+12127360123")
        stranger = insert_lead(uow.conn, agency_id=agency.id, now=now, phone="+12125550999")
        elsewhere = insert_lead(uow.conn, agency_id=other.id, now=now, phone="+12127360123")
        uow.commit()

    give_sms_token(client, agency)
    hello = post_sms(client, agency.form_key, {"From": "+12127360123", "Body": "Is 5pm ok?"})
    assert hello.status_code == 200 and "<Response>" in hello.text
    stop = post_sms(client, agency.form_key, {"From": "(212) 736-0123", "Body": " Stop "})
    assert stop.status_code == 200 and stop.headers["content-type"].startswith("application/xml")

    with container.engine.connect() as conn:
        flags = dict(conn.execute(sa.select(leads.c.id, leads.c.do_not_contact)).all())
        events = conn.execute(
            sa.select(lead_events.c.lead_id, lead_events.c.type).order_by(lead_events.c.id)
        ).all()
    assert flags == {first: True, second: True, stranger: False, elsewhere: False}
    assert [tuple(e) for e in events] == [
        (first, "sms_received"),
        (second, "sms_received"),
        (first, "sms_opt_out"),
        (second, "sms_opt_out"),
    ]
    assert post_sms(client, "nope", {"From": "+1", "Body": "STOP"}).status_code == 404
