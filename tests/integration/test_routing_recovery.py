"""A routing failure never loses a lead: it is stored as new and the worker routes it later."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.domain.routing import route as real_route
from leadrouter.services.routing import route as routing
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.worker import Worker


def test_a_lead_whose_routing_fails_is_kept_and_routed_by_the_worker(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = load_synthetic_agency(container, producers=2)
    headers = {"Authorization": f"Bearer {agency.api_key}"}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected routing failure")

    monkeypatch.setattr(routing, "route", broken)
    response = client.post(
        "/v1/leads",
        headers=headers,
        json={
            "first_name": "Kept",
            "last_name": "Anyway",
            "email": "kept@example.com",
            "phone": "(212) 736-0188",
            "zip": "10001",
            "insurance_type": "home",
        },
    )
    assert response.status_code == 201
    lead = response.json()
    assert (lead["status"], lead["owner_id"]) == ("new", None)
    assert client.get(f"/v1/leads/{lead['id']}/decisions", headers=headers).json()["items"] == []

    monkeypatch.setattr(routing, "route", real_route)
    Worker(container, channels={}).tick()

    after = client.get(f"/v1/leads/{lead['id']}", headers=headers).json()
    assert after["status"] == "assigned"
    assert after["owner_id"] is not None
