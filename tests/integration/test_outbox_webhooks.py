from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify.webhook import EVENTS, enqueue_webhook_event, sign
from tests.support.factories import make_agency
from tests.support.notify import channels_for, dispatch, rows
from tests.support.receivers import http_receiver
from tests.support.webhooks import OTHER_SECRET, SECRET, verifies


def endpoint(client: TestClient, headers: dict[str, str], url: str, events: list[str]) -> int:
    # The receivers here listen on loopback: the agency must allow private targets.
    allowed = client.patch(
        "/v1/agency/security", json={"allow_private_webhook_targets": True}, headers=headers
    )
    assert allowed.status_code == 200, allowed.text
    created = client.post(
        "/v1/webhook-endpoints",
        headers=headers,
        json={"url": url, "events": events, "secret": SECRET},
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_every_event_arrives_signed_and_the_signature_verifies(
    client: TestClient,
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    with http_receiver() as (inbox, url):
        endpoint(client, agency.headers, url + "/all", list(EVENTS))
        endpoint(client, agency.headers, url + "/assigned-only", ["lead.assigned"])
        with container.uow() as uow:
            for n, event in enumerate(EVENTS):
                enqueue_webhook_event(
                    uow.conn,
                    agency_id=agency.id,
                    event=event,
                    data={"lead_id": 40 + n},
                    now=clock.now(),
                )
            uow.commit()
        stats = dispatch(container, channels_for(container))
        received = list(inbox.requests)

    assert stats.sent == len(EVENTS) + 1
    assert sorted(r.path for r in received) == sorted(["/all"] * len(EVENTS) + ["/assigned-only"])
    assert {r.headers["x-leadrouter-event"] for r in received if r.path == "/all"} == set(EVENTS)
    for request in received:
        headers, now = request.headers, clock.now()
        assert headers["webhook-timestamp"] == str(int(now.timestamp()))
        assert headers["webhook-signature"].startswith("v1,")
        assert verifies(SECRET, headers, request.body, now)
        assert not verifies(SECRET, headers, request.body + b" ", now)
        assert not verifies(OTHER_SECRET, headers, request.body, now)
        assert not verifies(SECRET, headers, request.body, now + timedelta(hours=1))
        document = json.loads(request.body)
        assert document["id"] == request.headers["webhook-id"]
        assert document["event"] == request.headers["x-leadrouter-event"]
        assert document["agency_id"] == agency.id
        assert request.headers["content-type"] == "application/json"
    assigned = [json.loads(r.body) for r in received if r.path == "/assigned-only"]
    assert [d["data"] for d in assigned] == [{"lead_id": 41}]


def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered_and_can_be_revived(
    client: TestClient,
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    start = clock.now()
    with http_receiver() as (inbox, url):
        inbox.default = 500
        endpoint(client, agency.headers, url + "/hook", ["lead.created"])
        with container.uow() as uow:
            enqueue_webhook_event(
                uow.conn, agency_id=agency.id, event="lead.created", data={"lead_id": 1}, now=start
            )
            uow.commit()
        channels = channels_for(container)
        attempts_at = []
        now = start
        for _ in range(8):
            (row,) = rows(container)
            now = row.next_attempt_at
            attempts_at.append(now - start)
            dispatch(container, channels, now=now)
        (row,) = rows(container)
        assert row.status == "dead" and row.attempts == 8
        assert row.last_error.endswith("answered HTTP 5xx")
        assert attempts_at == [timedelta(seconds=s) for s in (0, 30, 90, 210, 450, 930, 1890, 3810)]
        delivery_ids = {r.headers["webhook-id"] for r in inbox.requests}
        assert delivery_ids == {str(row.id)}  # the same id on every attempt: receivers dedupe
        assert len({r.body for r in inbox.requests}) == 1

        clock.set(now + timedelta(hours=2))
        dead = client.get("/v1/outbox", params={"status": "dead"}, headers=agency.headers).json()
        assert [(m["id"], m["channel"], m["event"], m["attempts"]) for m in dead["items"]] == [
            (row.id, "webhook", "lead.created", 8)
        ]
        assert dead["items"][0]["next_attempt_at"] is None
        revived = client.post(f"/v1/outbox/{row.id}/retry", headers=agency.headers)
        assert revived.status_code == 200
        assert (revived.json()["status"], revived.json()["attempts"]) == ("pending", 0)

        inbox.default = 204
        assert dispatch(container, channels, now=clock.now()).sent == 1
    (row,) = rows(container)
    assert (row.status, row.provider_ref) == ("sent", "HTTP 204")
    assert (
        client.get("/v1/outbox", params={"status": "dead"}, headers=agency.headers).json()["items"]
        == []
    )


def test_a_disabled_endpoint_gets_nothing_more_and_pending_deliveries_die(
    client: TestClient,
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    with http_receiver() as (inbox, url):
        endpoint_id = endpoint(client, agency.headers, url, ["lead.outcome"])
        with container.uow() as uow:
            enqueue_webhook_event(
                uow.conn,
                agency_id=agency.id,
                event="lead.outcome",
                data={"outcome": "bound"},
                now=clock.now(),
            )
            uow.commit()
        patched = client.patch(
            f"/v1/webhook-endpoints/{endpoint_id}", headers=agency.headers, json={"active": False}
        )
        assert patched.status_code == 200 and patched.json()["active"] is False
        stats = dispatch(container, channels_for(container))
        with container.uow() as uow:
            assert (
                enqueue_webhook_event(
                    uow.conn, agency_id=agency.id, event="lead.outcome", data={}, now=clock.now()
                )
                == []
            )
        assert inbox.requests == []
    assert stats.dead == 1
    assert "deleted or disabled" in rows(container)[0].last_error


def test_the_signature_is_hmac_sha256_over_id_dot_timestamp_dot_body() -> None:
    import base64
    import hashlib
    import hmac

    body = b'{"event":"lead.created"}'
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, b"42.1767225600." + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    assert sign([SECRET], "42", 1767225600, body) == expected
