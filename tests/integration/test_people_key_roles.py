"""API keys carry a role; a key bound to a producer acts only as that producer."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.store.tables import api_keys, leads
from tests.support.factories import lead_body, make_agency, make_lead, make_producer
from tests.support.roster import key_headers
from tests.support.time_engine import ACCEPT_IN_TWO_MINUTES, rows_of, timing_policy


def _is_forbidden(response: object) -> None:
    assert response.status_code == 403, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]


def test_a_producer_key_cannot_accept_or_decline_an_offer_made_to_another_producer(
    container: Container, client: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    ben = make_producer(c, agency.id, 2, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    assert rows_of(c, lead)[0].producer_id == alice
    bens_key = key_headers(c, agency.id, Role.PRODUCER, ben)

    for action in ("accept", "decline"):
        _is_forbidden(
            client.post(f"/v1/leads/{lead}/{action}", headers=bens_key, json={"producer_id": alice})
        )
    assert rows_of(c, lead)[0].state == "offered"

    alices_key = key_headers(c, agency.id, Role.PRODUCER, alice)
    accepted = client.post(
        f"/v1/leads/{lead}/accept", headers=alices_key, json={"producer_id": alice}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "active"


def test_a_producer_key_logs_activities_and_outcomes_only_on_its_own_leads(
    container: Container, client: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    ben = make_producer(c, agency.id, 2, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    assert rows_of(c, lead)[0].producer_id == alice
    bens_key = key_headers(c, agency.id, Role.PRODUCER, ben)

    for body in (
        {"producer_id": alice, "kind": "call_attempt"},
        {"producer_id": ben, "kind": "note"},
    ):
        response = client.post(f"/v1/leads/{lead}/activities", headers=bens_key, json=body)
        assert response.status_code in (403, 409), response.text
    _is_forbidden(
        client.post(
            f"/v1/leads/{lead}/activities",
            headers=bens_key,
            json={"producer_id": alice, "kind": "contact_made"},
        )
    )
    _is_forbidden(
        client.post(f"/v1/leads/{lead}/status", headers=bens_key, json={"status": "quoted"})
    )
    assert client.get(f"/v1/leads/{lead}", headers=agency.headers).json()["status"] == "assigned"

    alices_key = key_headers(c, agency.id, Role.PRODUCER, alice)
    logged = client.post(
        f"/v1/leads/{lead}/activities",
        headers=alices_key,
        json={"producer_id": alice, "kind": "contact_made"},
    )
    assert logged.status_code == 201, logged.text
    quoted = client.post(f"/v1/leads/{lead}/status", headers=alices_key, json={"status": "quoted"})
    assert quoted.status_code == 200, quoted.text
    assert quoted.json()["status"] == "quoted"


def test_a_compliance_key_verifies_licenses_but_cannot_log_calls_or_change_lead_status(
    container: Container, client: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    compliance = key_headers(c, agency.id, Role.COMPLIANCE)

    _is_forbidden(
        client.post(
            f"/v1/leads/{lead}/activities",
            headers=compliance,
            json={"producer_id": alice, "kind": "call_attempt"},
        )
    )
    _is_forbidden(
        client.post(f"/v1/leads/{lead}/status", headers=compliance, json={"status": "lost"})
    )
    _is_forbidden(
        client.post(f"/v1/leads/{lead}/accept", headers=compliance, json={"producer_id": alice})
    )

    posted = client.post("/v1/leads", headers=compliance, json=lead_body(2))
    _is_forbidden(posted)
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar() == 1

    license_id = client.get("/v1/licenses", headers=agency.headers).json()["items"][0]["id"]
    verified = client.post(f"/v1/licenses/{license_id}/verify", headers=compliance)
    assert verified.status_code == 200, verified.text


def test_a_producer_key_must_be_bound_to_a_producer_of_the_agency(
    container: Container, client: TestClient
) -> None:
    c = container
    agency = make_agency(c)
    other = make_agency(c, "Other Agency")
    theirs = make_producer(c, other.id, 9, licensed_in=("NY",))
    unbound = client.post(
        "/v1/api-keys", headers=agency.headers, json={"name": "p", "role": "producer"}
    )
    assert unbound.status_code == 422, unbound.text
    foreign = client.post(
        "/v1/api-keys",
        headers=agency.headers,
        json={"name": "p", "role": "producer", "producer_id": theirs},
    )
    assert foreign.status_code == 404, foreign.text
    bound_manager = client.post(
        "/v1/api-keys",
        headers=agency.headers,
        json={"name": "m", "role": "manager", "producer_id": theirs},
    )
    assert bound_manager.status_code == 422, bound_manager.text


def test_an_agencys_first_key_is_a_managers_and_bound_to_nobody(container: Container) -> None:
    c = container
    make_agency(c)
    with c.engine.connect() as conn:
        rows = conn.execute(sa.select(api_keys.c.role, api_keys.c.producer_id)).all()
    assert [tuple(r) for r in rows] == [("manager", None)]
