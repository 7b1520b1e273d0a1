"""Helpers for roster tests: keys with a given role, producers made through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import issue_key
from tests.support.factories import TestAgency


def headers_for(
    c: Container, agency: TestAgency, role: str, name: str | None = None
) -> dict[str, str]:
    """Authorization headers of a new key of ``agency`` with ``role``."""
    _, key = issue_key(
        uow=c.uow(), agency_id=agency.id, name=name or f"{role} key", now=c.clock.now(), role=role
    )
    return {"Authorization": f"Bearer {key}"}


def add_producer(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """Create a producer through the API and return its body (fails the test otherwise)."""
    n = fields.pop("n", 1)
    body = {"name": f"Producer {n}", "email": f"p{n}@agency.example", **fields}
    response = client.post("/v1/producers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def add_license(
    client: TestClient, headers: dict[str, str], producer_id: int, **fields: Any
) -> dict[str, Any]:
    body = {
        "producer_id": producer_id,
        "state": "NY",
        "number": "LIC-1",
        "lines": ["Personal Lines"],
        "resident": True,
        "effective_date": "2020-01-01",
        **fields,
    }
    response = client.post("/v1/licenses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
