"""Helpers for roster tests: API keys with a given role, a license body."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import issue_key
from tests.support.factories import TestAgency, make_producer

# A license body as an integrator posts it; each test adds the producer and what it checks.
LICENSE_BODY: dict[str, object] = {
    "state": "NY",
    "number": "LIC-1",
    "lines": ["Personal Lines"],
    "resident": True,
    "effective_date": "2020-01-01",
}


def post_license(
    client: TestClient, headers: dict[str, str], producer_id: int, **fields: object
) -> httpx.Response:
    """POST /v1/licenses: ``LICENSE_BODY`` for ``producer_id``, with ``fields`` over it."""
    return client.post(
        "/v1/licenses", headers=headers, json={**LICENSE_BODY, "producer_id": producer_id, **fields}
    )


def headers_for(
    c: Container, agency: TestAgency, role: str, name: str | None = None
) -> dict[str, str]:
    """Authorization headers of a new key of ``agency`` with ``role``; a producer key is bound
    to a producer of its own ("Key Holder"), as every producer key must be."""
    producer_id = None
    if role == "producer":
        producer_id = make_producer(
            c, agency.id, 990, name="Key Holder", email="key.holder@agency.example"
        )
    return key_headers(c, agency.id, role, producer_id, name=name)


def key_headers(
    c: Container,
    agency_id: int,
    role: str,
    producer_id: int | None = None,
    *,
    name: str | None = None,
) -> dict[str, str]:
    """Authorization headers of a new key with ``role``, bound to ``producer_id`` if given."""
    _, key = issue_key(
        uow=c.uow(),
        agency_id=agency_id,
        name=name or f"{role} key",
        now=c.clock.now(),
        role=role,
        producer_id=producer_id,
    )
    return {"Authorization": f"Bearer {key}"}
