"""POST /v1/leads: validation, normalization, dedupe, idempotency, client match, isolation."""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.tables import (
    clients,
    idempotency_records,
    lead_sources,
    lead_status_changes,
    lead_touches,
    leads,
)
from tests.support.factories import TestAgency, make_agency

BODY: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "Maria.Lopez@Example.com",
    "phone": "(212) 867-5309",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


def count(container: Container, table: sa.Table) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def post(client: TestClient, agency: TestAgency, body: Any, **headers: str) -> Any:
    return client.post("/v1/leads", json=body, headers={**agency.headers, **headers})


def test_a_valid_lead_gets_201_with_e164_phone_state_county_and_time_zone(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = post(client, agency, BODY)
    assert response.status_code == 201
    lead = response.json()
    assert response.headers["location"] == f"/v1/leads/{lead['id']}"
    assert lead["phone"] == "+12128675309"
    assert lead["email"] == "maria.lopez@example.com"
    assert (lead["state"], lead["county"], lead["timezone"]) == (
        "NY",
        "New York County",
        "America/New_York",
    )
    # Routed at once: an agency with no producer yet queues the lead (never drops it).
    assert lead["status"] == "queued"
    assert lead["created_at"] == "2026-03-03T14:00:00Z"
    assert client.get(f"/v1/leads/{lead['id']}", headers=agency.headers).json()["phone"] == (
        "+12128675309"
    )


def test_a_lead_missing_a_required_field_gets_422_naming_it(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = post(client, agency, {k: v for k, v in BODY.items() if k != "zip"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "zip", "reason": "is required"}]
    assert count(container, leads) == 0


def test_every_bad_field_is_named_in_one_answer(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = post(
        client,
        agency,
        {
            **BODY,
            "phone": "736-0100",
            "zip": "00000",
            "insurance_type": "spaceship",
            "colour": "red",
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "phone",
        "zip",
        "insurance_type",
        "colour",
    ]


def test_malformed_bodies_get_422_and_write_nothing(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    for raw in (
        b"",
        b"{",
        b"[1, 2]",
        b'"text"',
        b"null",
        b'{"first_name": NaN}',
        b"\xff\xfe",
        b"[" * 5000,
        b'{"first_name": "a\\u0000b"}',
        b'{"last_name": "\\ud800"}',
        b'{"attributes": {"x": 1e999}}',
    ):
        response = client.post(
            "/v1/leads",
            content=raw,
            headers={
                **agency.headers,
                "content-type": "application/json",
            },
        )
        assert response.status_code == 422, (raw[:20], response.text)
        assert response.json()["errors"]
    assert count(container, leads) == 0
    assert count(container, lead_status_changes) == 0


def test_the_zip_state_wins_over_a_given_state_and_the_lead_is_flagged(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead = post(client, agency, {**BODY, "state": "NJ"}).json()
    assert lead["state"] == "NY"
    assert lead["flags"] == {"state_mismatch": {"given": "NJ", "zip_state": "NY"}}


def test_a_repeat_within_the_window_returns_the_original_lead_and_records_the_touch(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    first = post(client, agency, BODY).json()
    clock.advance(timedelta(days=29))
    again = post(client, agency, {**BODY, "email": "other@example.com", "phone": "212-867-5309"})
    assert again.status_code == 200
    repeat = again.json()
    assert repeat["id"] == first["id"]
    assert repeat["duplicate_of"] == first["id"]
    assert repeat["duplicate"]["matched_on"] == "phone"
    assert repeat["touch_count"] == 2
    assert repeat["last_touch_at"] == "2026-04-01T14:00:00Z"
    assert count(container, leads) == 1
    assert count(container, lead_touches) == 1


def test_the_same_email_is_a_repeat_too(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    first = post(client, agency, BODY).json()
    again = post(
        client, agency, {**BODY, "phone": "(646) 736-0142", "email": "MARIA.LOPEZ@example.com"}
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["duplicate"]["matched_on"] == "email"


def test_after_the_window_the_same_person_is_a_new_lead(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    post(client, agency, BODY)
    clock.advance(timedelta(days=30, seconds=1))
    assert post(client, agency, BODY).status_code == 201
    assert count(container, leads) == 2


def test_the_dedupe_window_is_the_agencys_to_set(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    assert (
        client.put(
            "/v1/agency/settings", json={"dedupe_window_days": 2}, headers=agency.headers
        ).status_code
        == 200
    )
    post(client, agency, BODY)
    clock.advance(timedelta(days=3))
    assert post(client, agency, BODY).status_code == 201
    assert (
        client.put(
            "/v1/agency/settings", json={"dedupe_window_days": 0}, headers=agency.headers
        ).status_code
        == 200
    )
    assert post(client, agency, BODY).status_code == 201


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    first = post(client, agency, BODY, **{"Idempotency-Key": "order-1"})
    clock.advance(timedelta(minutes=5))
    retry = post(client, agency, BODY, **{"Idempotency-Key": "order-1"})
    assert retry.status_code == first.status_code == 201
    assert retry.content == first.content
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert count(container, leads) == 1
    assert count(container, lead_touches) == 0
    assert count(container, idempotency_records) == 1


def test_a_key_reused_with_another_body_gets_409(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    post(client, agency, BODY, **{"Idempotency-Key": "order-1"})
    reused = post(client, agency, {**BODY, "zip": "10011"}, **{"Idempotency-Key": "order-1"})
    assert reused.status_code == 409
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(container, leads) == 1


def test_key_order_and_spacing_do_not_make_another_body(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    headers = {**agency.headers, "Idempotency-Key": "k", "content-type": "application/json"}
    first = client.post(
        "/v1/leads",
        content=b'{"zip":"10001","first_name":"Maria",'
        b'"last_name":"Lopez","phone":"2128675309","insurance_type":"home",'
        b'"email":"m@example.com"}',
        headers=headers,
    )
    retry = client.post(
        "/v1/leads",
        content=b'{ "first_name": "Maria", "last_name": "Lopez",'
        b' "email": "m@example.com", "phone": "2128675309", "zip": "10001",'
        b' "insurance_type": "home" }',
        headers=headers,
    )
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content


def test_keys_are_per_agency_and_expire_after_a_day(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    a = make_agency(container, "A")
    b = make_agency(container, "B")
    assert post(client, a, BODY, **{"Idempotency-Key": "k"}).status_code == 201
    assert post(client, b, BODY, **{"Idempotency-Key": "k"}).status_code == 201
    clock.advance(timedelta(hours=24))
    again = post(
        client,
        a,
        {**BODY, "phone": "646-736-0142", "email": "x@example.com"},
        **{"Idempotency-Key": "k"},
    )
    assert again.status_code == 201
    assert count(container, leads) == 3


def test_a_malformed_idempotency_key_is_refused(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = post(client, agency, BODY, **{"Idempotency-Key": "x" * 201})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_repeat_answered_under_a_key_is_replayed_as_the_same_repeat(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    post(client, agency, BODY)
    first = post(client, agency, BODY, **{"Idempotency-Key": "again"})
    retry = post(client, agency, BODY, **{"Idempotency-Key": "again"})
    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content
    assert count(container, lead_touches) == 1


def _insert(container: Container, table: sa.Table, **values: Any) -> int:
    with container.engine.begin() as conn:
        return int(conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one())


def test_an_existing_client_is_matched_by_phone_or_email(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    now = container.clock.now()
    by_phone = _insert(
        container,
        clients,
        agency_id=agency.id,
        name="Maria Lopez",
        phone="+12128675309",
        email=None,
        created_at=now,
    )
    by_email = _insert(
        container,
        clients,
        agency_id=agency.id,
        name="Ann Lee",
        phone=None,
        email="ann@example.com",
        created_at=now,
    )
    first = post(client, agency, BODY).json()
    second = post(
        client, agency, {**BODY, "phone": "646-736-0142", "email": "Ann@Example.com"}
    ).json()
    third = post(
        client, agency, {**BODY, "phone": "646-736-0143", "email": "nobody@example.com"}
    ).json()
    assert (first["client_id"], second["client_id"], third["client_id"]) == (
        by_phone,
        by_email,
        None,
    )


def test_another_agencys_client_is_not_matched(client: TestClient, container: Container) -> None:
    a = make_agency(container, "A")
    b = make_agency(container, "B")
    _insert(
        container,
        clients,
        agency_id=a.id,
        name="Maria",
        phone="+12128675309",
        email=None,
        created_at=container.clock.now(),
    )
    assert post(client, b, BODY).json()["client_id"] is None


def test_a_lead_source_decides_which_fields_are_required(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    source_id = _insert(
        container,
        lead_sources,
        agency_id=agency.id,
        name="phone vendor",
        cost_per_lead=12,
        required_fields=["phone", "insurance_type"],
        active=True,
        created_at=container.clock.now(),
    )
    response = post(
        client, agency, {"phone": "2128675309", "insurance_type": "life", "source": "phone vendor"}
    )
    assert response.status_code == 201
    assert response.json()["source"] == "phone vendor"
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(leads.c.source_id)).scalar_one() == source_id
    strict = post(client, agency, {"phone": "2128675309", "insurance_type": "life"})
    assert strict.status_code == 422


def test_agency_b_gets_404_on_agency_as_lead(client: TestClient, container: Container) -> None:
    a = make_agency(container, "A")
    b = make_agency(container, "B")
    lead_id = post(client, a, BODY).json()["id"]
    for method, path, body in (
        ("GET", f"/v1/leads/{lead_id}", None),
        ("GET", f"/v1/leads/{lead_id}/events", None),
        ("POST", f"/v1/leads/{lead_id}/events", {"type": "call", "at": "2026-03-03T13:00:00Z"}),
        ("POST", f"/v1/leads/{lead_id}/status", {"status": "lost"}),
    ):
        response = client.request(method, path, json=body, headers=b.headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["status"] == 404
    assert client.get("/v1/leads", headers=b.headers).json()["items"] == []
    assert post(client, b, BODY).status_code == 201


def test_without_a_key_intake_is_401(client: TestClient) -> None:
    assert client.post("/v1/leads", json=BODY).status_code == 401


def test_a_client_entered_through_the_roster_api_is_matched_however_it_was_typed(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    created = client.post(
        "/v1/clients", headers=agency.headers, json={"name": "Maria Lopez", "phone": "212.867.5309"}
    )
    assert created.status_code == 201, created.text
    lead = post(client, agency, {**BODY, "phone": "+1 (212) 867-5309"}).json()
    assert lead["client_id"] == created.json()["id"]
