"""Instants the store cannot hold (outside years 1 to 9999 in UTC) are a 422, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from tests.support.factories import make_agency

TOO_EARLY = "0001-01-01T00:00:00+05:00"
TOO_LATE = "9999-12-31T23:59:59-05:00"
LEAD = {
    "first_name": "Ti",
    "last_name": "Me",
    "email": "time@example.com",
    "phone": "(212) 736-0155",
    "zip": "10001",
    "insurance_type": "home",
}


def test_out_of_range_instants_are_refused_naming_the_field(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    lead = client.post("/v1/leads", headers=agency.headers, json=LEAD).json()
    for instant in (TOO_EARLY, TOO_LATE):
        listing = client.get("/v1/leads", headers=agency.headers, params={"created_after": instant})
        assert listing.status_code == 422
        assert [e["field"] for e in listing.json()["errors"]] == ["created_after"]
        event = client.post(
            f"/v1/leads/{lead['id']}/events",
            headers=agency.headers,
            json={"type": "page_view", "at": instant},
        )
        assert event.status_code == 422
        assert [e["field"] for e in event.json()["errors"]] == ["at"]
