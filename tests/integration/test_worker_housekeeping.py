"""The worker forgets idempotency keys once their 24 hours are over."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.tables import idempotency_records
from leadrouter.worker import Worker
from tests.support.factories import make_agency

LEAD = {
    "first_name": "Id",
    "last_name": "Em",
    "email": "idem@example.com",
    "phone": "(212) 736-0166",
    "zip": "10001",
    "insurance_type": "home",
}


def _keys(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(idempotency_records)).scalar_one()
        )


def test_expired_idempotency_keys_are_purged_by_the_worker(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    headers = {**agency.headers, "Idempotency-Key": "order-42"}
    assert client.post("/v1/leads", headers=headers, json=LEAD).status_code == 201
    worker = Worker(container, channels={})
    worker.tick()
    assert _keys(container) == 1  # still within its day

    clock.advance(timedelta(hours=25))
    worker.tick()
    assert _keys(container) == 0
