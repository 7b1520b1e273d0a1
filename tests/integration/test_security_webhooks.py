"""Standard Webhooks, rotation, no internal targets, quiet errors, sealed secrets (item 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify.webhook import WebhookChannel, enqueue_webhook_event
from leadrouter.store.tables import webhook_endpoints
from tests.support import factories as agencies
from tests.support.factories import make_agency
from tests.support.notify import channels_for, dispatch, rows
from tests.support.receivers import http_receiver
from tests.support.webhooks import SECRET, allow_private_targets, verifies


@pytest.fixture
def clock() -> FixedClock:
    # The receiver's verifier measures its tolerance from the real clock.
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


def _subscribe(client: TestClient, agency: agencies.TestAgency, url: str, **extra: object) -> dict:
    created = client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "events": ["lead.created"], **extra},
        headers=agency.headers,
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def _event(container: Container, agency_id: int) -> None:
    with container.uow() as uow:
        enqueue_webhook_event(
            uow.conn,
            agency_id=agency_id,
            event="lead.created",
            data={"lead_id": 7},
            now=container.clock.now(),
        )
        uow.commit()


def test_a_delivery_verifies_with_the_standardwebhooks_package(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    allow_private_targets(client, agency)
    with http_receiver() as (inbox, url):
        _subscribe(client, agency, url + "/hook", secret=SECRET)
        _event(container, agency.id)
        assert dispatch(container, channels_for(container)).sent == 1
        [request] = inbox.requests

    assert verifies(SECRET, request.headers, request.body)  # the receiver's own clock
    forged = {**request.headers, "webhook-id": "999"}
    assert not verifies(SECRET, forged, request.body)  # the id is signed: dedupe is safe


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    allow_private_targets(client, agency)
    with http_receiver() as (inbox, url):
        endpoint = _subscribe(client, agency, url + "/hook", secret=SECRET)
        rotated = client.patch(
            f"/v1/webhook-endpoints/{endpoint['id']}",
            json={"rotate_secret": True},
            headers=agency.headers,
        ).json()["secret"]
        _event(container, agency.id)
        dispatch(container, channels_for(container))
        clock.advance(timedelta(hours=25))
        _event(container, agency.id)
        dispatch(container, channels_for(container))
        during, after = inbox.requests

    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verifies(SECRET, during.headers, during.body, clock.now() - timedelta(hours=25))
    assert verifies(rotated, during.headers, during.body, clock.now() - timedelta(hours=25))
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert not verifies(SECRET, after.headers, after.body, clock.now())
    assert verifies(rotated, after.headers, after.body, clock.now())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
    ],
)
def test_endpoints_may_not_target_internal_addresses_unless_the_agency_allows_it(
    client: TestClient, container: Container, url: str
) -> None:
    agency = make_agency(container)
    public = _subscribe(client, agency, "https://crm.example/hooks")

    refused = client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "events": ["lead.created"]},
        headers=agency.headers,
    )
    moved = client.patch(
        f"/v1/webhook-endpoints/{public['id']}", json={"url": url}, headers=agency.headers
    )
    allow_private_targets(client, agency)
    allowed = client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "events": ["lead.created"]},
        headers=agency.headers,
    )

    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url"
    assert moved.status_code == 422
    assert allowed.status_code == 201


def test_a_host_name_that_resolves_to_an_internal_address_is_not_called(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    _subscribe(client, agency, "https://crm.example/hooks")
    _event(container, agency.id)
    called: list[httpx.Request] = []
    channel = WebhookChannel(
        container.engine,
        sealer=container.sealer,
        client=httpx.Client(
            transport=httpx.MockTransport(lambda r: called.append(r) or httpx.Response(204))
        ),
        resolve=lambda host, port: ["169.254.169.254"],
    )

    dispatch(container, {"webhook": channel})

    [row] = rows(container)
    assert called == []
    assert row.status == "pending" and "resolves to a loopback" in row.last_error
    assert "169.254" not in row.last_error


def test_last_error_says_only_the_class_of_the_answer(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    allow_private_targets(client, agency)
    with http_receiver() as (inbox, url):
        inbox.default = 418
        _subscribe(client, agency, url + "/hook")
        _event(container, agency.id)
        dispatch(container, channels_for(container))
    _subscribe(client, agency, "http://127.0.0.1:1/closed")
    _event(container, agency.id)
    dispatch(container, channels_for(container))

    errors = sorted(r.last_error for r in rows(container) if r.last_error)
    assert errors == [
        "could not connect to the endpoint",
        "could not connect to the endpoint",
        "the endpoint answered HTTP 4xx",
    ]


def test_webhook_secrets_are_kept_encrypted(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    shown = _subscribe(client, agency, "https://crm.example/hooks")["secret"]

    with container.engine.connect() as conn:
        stored = conn.execute(sa.select(webhook_endpoints.c.secret)).scalar_one()

    assert shown.startswith("whsec_") and shown not in stored
    assert stored.startswith("fernet:")
    assert container.sealer.open(stored) == shown
