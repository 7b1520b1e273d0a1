"""The demo agency routes as its territory table says, and the license gate always holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.admin.agencies import issue_key
from leadrouter.worker import Worker
from tests.support.factories import make_demo_agency


@pytest.fixture
def demo(client: TestClient, container: Container) -> dict[str, Any]:
    container.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]  # 10:00 in New York
    agency_id = make_demo_agency(container)
    now = container.clock.now()
    _, manager = issue_key(uow=container.uow(), agency_id=agency_id, name="t", now=now)
    _, compliance = issue_key(
        uow=container.uow(), agency_id=agency_id, name="c", now=now, role="compliance"
    )
    headers = {"Authorization": f"Bearer {manager}"}
    people = client.get("/v1/producers", headers=headers).json()["items"]
    return {
        "agency_id": agency_id,
        "headers": headers,
        "compliance": {"Authorization": f"Bearer {compliance}"},
        "by_name": {p["name"].split()[0]: p["id"] for p in people},
    }


def _lead(
    client: TestClient, demo: dict[str, Any], n: int, zip_code: str, insurance_type: str
) -> dict[str, Any]:
    response = client.post(
        "/v1/leads",
        headers=demo["headers"],
        json={
            "first_name": "Test",
            "last_name": f"Lead{n}",
            "email": f"lead{n}@example.com",
            "phone": f"(212) 555-{1000 + n:04d}",
            "zip": zip_code,
            "insurance_type": insurance_type,
        },
    )
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()
    return lead


@pytest.mark.parametrize(
    ("zip_code", "insurance_type", "territory", "producer"),
    [
        ("10001", "personal_auto", "North County", "Alice"),
        ("10150", "home", "South County", "Ben"),
        ("10270", "general_liability", "Metro", "Carla"),
        ("10301", "bop", "West Side", "Dev"),
    ],
)
def test_demo_leads_go_to_the_producer_of_their_zip_territory(
    client: TestClient,
    demo: dict[str, Any],
    zip_code: str,
    insurance_type: str,
    territory: str,
    producer: str,
) -> None:
    lead = _lead(client, demo, 1, zip_code, insurance_type)
    assert lead["status"] == "assigned"
    assert lead["owner_id"] == demo["by_name"][producer]
    decision = client.get(f"/v1/leads/{lead['id']}/decision", headers=demo["headers"]).json()
    assert any(territory in step for step in decision["explanation"]["steps"])


def test_a_producer_whose_license_expired_never_gets_a_lead_from_that_state(
    client: TestClient, demo: dict[str, Any]
) -> None:
    # Ben's PA license expired 12 days ago; nobody else holds PA.
    lead = _lead(client, demo, 2, "19103", "personal_auto")
    assert lead["status"] == "queued"
    assert lead["owner_id"] is None
    decision = client.get(f"/v1/leads/{lead['id']}/decision", headers=demo["headers"]).json()
    assert "PA" in decision["explanation"]["reason"]
    ben = [
        c
        for c in decision["explanation"]["candidates"]
        if c["producer_id"] == demo["by_name"]["Ben"]
    ]
    assert ben and ben[0]["excluded_by"] == "gate" and "expired" in ben[0]["reason"]


def test_out_of_state_producers_never_get_the_lead(
    client: TestClient, demo: dict[str, Any]
) -> None:
    licensed_in_nj = {demo["by_name"]["Alice"], demo["by_name"]["Carla"]}
    for n in range(6):
        lead = _lead(client, demo, 10 + n, "07030", "home")
        assert lead["owner_id"] in licensed_in_nj
    chicago = _lead(client, demo, 20, "60601", "personal_auto")
    assert chicago["owner_id"] == demo["by_name"]["Dev"]  # the only IL license


def test_a_lead_from_an_uncovered_state_waits_and_is_assigned_once_a_license_is_added(
    client: TestClient, container: Container, demo: dict[str, Any]
) -> None:
    lead = _lead(client, demo, 3, "90210", "life")
    assert lead["status"] == "queued"
    queue = client.get("/v1/queue", headers=demo["headers"]).json()["items"]
    assert [(q["lead_id"], "CA" in q["reason"]) for q in queue] == [(lead["id"], True)]

    alice = demo["by_name"]["Alice"]
    added = client.post(
        "/v1/licenses",
        headers=demo["compliance"],
        json={
            "producer_id": alice,
            "state": "CA",
            "number": "CA-0G12345",
            "lines": ["Life"],
            "resident": False,
            "effective_date": "2020-01-01",
            "expiration_date": "2030-01-01",
        },
    )
    assert added.status_code == 201, added.text

    Worker(container, channels={}).tick()  # the worker notices the roster change and drains

    after = client.get(f"/v1/leads/{lead['id']}", headers=demo["headers"]).json()
    assert (after["status"], after["owner_id"]) == ("assigned", alice)
    assert client.get("/v1/queue", headers=demo["headers"]).json()["items"] == []
    kinds = [
        d["kind"]
        for d in client.get(f"/v1/leads/{lead['id']}/decisions", headers=demo["headers"]).json()[
            "items"
        ]
    ]
    assert kinds == ["route", "drain"]


def test_manual_assignment_to_an_unlicensed_producer_is_refused_with_the_reason(
    client: TestClient, demo: dict[str, Any]
) -> None:
    lead = _lead(client, demo, 4, "19103", "personal_auto")
    refused = client.post(
        f"/v1/leads/{lead['id']}/assignment",
        headers=demo["headers"],
        json={"producer_id": demo["by_name"]["Ben"]},
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "PA" in refused.json()["detail"]
    assert client.get(f"/v1/leads/{lead['id']}", headers=demo["headers"]).json()["owner_id"] is None
