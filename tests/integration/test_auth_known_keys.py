"""POST /v1/leads confirms its API key in the intake's own transaction, so a key the process
already knows costs no read of its own; a key revoked by another process is refused at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store.tables import leads
from tests.support.factories import lead_body, make_agency, make_producer


@pytest.fixture
def other(db_url: str, clock: FixedClock) -> Iterator[TestClient]:
    """A second process's API over the same database: its own engine and caches."""
    second = bootstrap(Settings(database_url=db_url), clock=clock)
    with TestClient(create_app(second)) as test_client:
        yield test_client
    second.engine.dispose()


def lead_count(container: Container) -> int:
    with container.uow(readonly=True) as uow:
        return int(uow.conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar_one())


def issue_key(client: TestClient, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    created = client.post("/v1/api-keys", json={"name": "robot"}, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}


def test_a_key_revoked_in_another_process_is_refused_by_the_next_lead_post(
    client: TestClient, other: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    make_producer(container, agency.id, licensed_in={"NY"})
    key_id, robot = issue_key(client, agency.headers)
    known = client.post("/v1/leads", json=lead_body(1), headers=robot)  # now the key is known
    assert known.status_code == 201

    assert other.delete(f"/v1/api-keys/{key_id}", headers=agency.headers).status_code == 204
    refused = client.post("/v1/leads", json=lead_body(2), headers=robot)

    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert lead_count(container) == 1  # nothing of the refused lead was written
    assert client.post("/v1/leads", json=lead_body(3), headers=robot).status_code == 401


def test_a_revoked_known_key_gets_401_not_what_its_request_would_have_got(
    client: TestClient, other: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    key_id, robot = issue_key(client, agency.headers)
    assert client.post("/v1/leads", json={"zip": "nope"}, headers=robot).status_code == 422
    assert other.delete(f"/v1/api-keys/{key_id}", headers=agency.headers).status_code == 204

    not_json = client.post("/v1/leads", content=b"{", headers=robot)  # refused before intake
    invalid = client.post("/v1/leads", json={"zip": "nope"}, headers=robot)

    assert (not_json.status_code, invalid.status_code) == (401, 401)
    assert not_json.json()["status"] == 401


def test_a_known_key_opens_one_transaction_per_lead(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    make_producer(container, agency.id, licensed_in={"NY"})
    assert client.post("/v1/leads", json=lead_body(1), headers=agency.headers).status_code == 201
    begun: list[object] = []
    listener = lambda conn: begun.append(conn)  # noqa: E731
    event.listen(container.engine, "begin", listener)
    try:
        answer = client.post("/v1/leads", json=lead_body(2), headers=agency.headers)
    finally:
        event.remove(container.engine, "begin", listener)

    assert answer.status_code == 201
    assert answer.json()["status"] == "assigned"
    assert len(begun) == 1  # the intake's: the key was confirmed in it, not read before it
