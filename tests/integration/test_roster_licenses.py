"""/v1/licenses: pending until compliance verifies; tenancy; partial updates."""

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from tests.conftest import T0
from tests.support.factories import make_agency
from tests.support.roster import add_license, add_producer, headers_for


def test_a_license_typed_in_by_a_manager_is_pending(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    p = add_producer(client, agency.headers)
    lic = add_license(
        client,
        agency.headers,
        p["id"],
        lines=["Property", "Casualty"],
        state="nj",
        expiration_date="2027-01-01",
    )
    assert (lic["verified"], lic["verified_at"], lic["verified_by"]) == (False, None, None)
    assert (lic["state"], lic["lines"], lic["status"]) == ("NJ", ["casualty", "property"], "active")
    assert lic["source"] == "api"
    pending = client.get("/v1/licenses?verified=false", headers=agency.headers).json()
    assert [x["id"] for x in pending["items"]] == [lic["id"]]


def test_compliance_verifies_a_license_recording_who_and_when(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance", name="Dana (compliance)")
    lic = add_license(client, agency.headers, add_producer(client, agency.headers)["id"])
    clock.advance(timedelta(hours=2))
    response = client.post(f"/v1/licenses/{lic['id']}/verify", headers=compliance)
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["verified_at"] == (T0 + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert body["verified_by"].startswith("Dana (compliance) (key ")


def test_only_compliance_keys_verify(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    lic = add_license(client, agency.headers, add_producer(client, agency.headers)["id"])
    refused = client.post(f"/v1/licenses/{lic['id']}/verify", headers=agency.headers)
    assert refused.status_code == 403
    assert (
        client.get(f"/v1/licenses/{lic['id']}", headers=agency.headers).json()["verified"] is False
    )


def test_a_license_created_by_compliance_is_verified_at_once(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance")
    lic = add_license(client, compliance, add_producer(client, agency.headers)["id"])
    assert lic["verified"] is True


def test_widening_a_license_makes_it_pending_again_but_suspending_does_not(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance")
    lic = add_license(client, compliance, add_producer(client, agency.headers)["id"])
    suspended = client.patch(
        f"/v1/licenses/{lic['id']}", headers=agency.headers, json={"status": "suspended"}
    ).json()
    assert (suspended["status"], suspended["verified"]) == ("suspended", True)
    reactivated = client.patch(
        f"/v1/licenses/{lic['id']}", headers=agency.headers, json={"status": "active"}
    ).json()
    assert reactivated["verified"] is False
    client.post(f"/v1/licenses/{lic['id']}/verify", headers=compliance)
    widened = client.patch(
        f"/v1/licenses/{lic['id']}",
        headers=agency.headers,
        json={"lines": ["Personal Lines", "Life"]},
    ).json()
    assert (widened["lines"], widened["verified"]) == (["life", "personal_lines"], False)


def test_a_license_for_another_agencys_producer_is_refused(
    client: TestClient, container: Container
) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    theirs = add_producer(client, a.headers)
    response = client.post(
        "/v1/licenses",
        headers=b.headers,
        json={
            "producer_id": theirs["id"],
            "state": "NY",
            "number": "1",
            "lines": ["Life"],
            "resident": True,
            "effective_date": "2020-01-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "producer_id"
    mine = add_license(client, a.headers, theirs["id"])
    assert client.get(f"/v1/licenses/{mine['id']}", headers=b.headers).status_code == 404
    moved = client.patch(f"/v1/licenses/{mine['id']}", headers=a.headers, json={"producer_id": 999})
    assert moved.status_code == 422


def test_the_same_license_twice_is_a_conflict(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    p = add_producer(client, agency.headers)
    add_license(client, agency.headers, p["id"], number="A-1")
    again = client.post(
        "/v1/licenses",
        headers=agency.headers,
        json={
            "producer_id": p["id"],
            "state": "NY",
            "number": "A-1",
            "lines": ["Life"],
            "resident": False,
            "effective_date": "2021-01-01",
        },
    )
    assert again.status_code == 409


def test_dates_and_lines_are_checked(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    p = add_producer(client, agency.headers)
    response = client.post(
        "/v1/licenses",
        headers=agency.headers,
        json={
            "producer_id": p["id"],
            "state": "ZZ",
            "number": "1",
            "lines": ["Pets"],
            "resident": True,
            "effective_date": "2020-01-01",
        },
    )
    assert {e["field"] for e in response.json()["errors"]} == {"state", "lines"}
    backwards = client.post(
        "/v1/licenses",
        headers=agency.headers,
        json={
            "producer_id": p["id"],
            "state": "NY",
            "number": "1",
            "lines": ["Life"],
            "resident": True,
            "effective_date": "2020-01-01",
            "expiration_date": "2019-01-01",
        },
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [
        {"field": "expiration_date", "reason": "must be after the effective date"}
    ]


def test_a_license_can_be_deleted(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    lic = add_license(client, agency.headers, add_producer(client, agency.headers)["id"])
    assert client.delete(f"/v1/licenses/{lic['id']}", headers=agency.headers).status_code == 204
    assert client.get(f"/v1/licenses/{lic['id']}", headers=agency.headers).status_code == 404
