"""/v1/licenses: pending until compliance verifies; tenancy; partial updates."""

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from tests.conftest import T0
from tests.support.factories import make_agency, make_license, make_producer
from tests.support.roster import headers_for, post_license


def test_a_license_typed_in_by_a_manager_is_pending(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    response = post_license(
        client,
        agency.headers,
        p,
        state="nj",
        lines=["Property", "Casualty"],
        expiration_date="2027-01-01",
    )
    assert response.status_code == 201, response.text
    lic = response.json()
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
    lic = make_license(container, agency.id, make_producer(container, agency.id), verifier=None)
    clock.advance(timedelta(hours=2))
    response = client.post(f"/v1/licenses/{lic}/verify", headers=compliance)
    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["verified_at"] == (T0 + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert body["verified_by"].startswith("Dana (compliance) (key ")


def test_only_compliance_keys_verify(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    lic = make_license(container, agency.id, make_producer(container, agency.id), verifier=None)
    refused = client.post(f"/v1/licenses/{lic}/verify", headers=agency.headers)
    assert refused.status_code == 403
    assert client.get(f"/v1/licenses/{lic}", headers=agency.headers).json()["verified"] is False


def test_a_license_created_by_compliance_is_verified_at_once(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance")
    response = post_license(client, compliance, make_producer(container, agency.id))
    assert response.status_code == 201, response.text
    assert response.json()["verified"] is True


def test_widening_a_license_makes_it_pending_again_but_suspending_does_not(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance")
    lic = make_license(container, agency.id, make_producer(container, agency.id))
    suspended = client.patch(
        f"/v1/licenses/{lic}", headers=agency.headers, json={"status": "suspended"}
    ).json()
    assert (suspended["status"], suspended["verified"]) == ("suspended", True)
    reactivated = client.patch(
        f"/v1/licenses/{lic}", headers=agency.headers, json={"status": "active"}
    ).json()
    assert reactivated["verified"] is False
    client.post(f"/v1/licenses/{lic}/verify", headers=compliance)
    widened = client.patch(
        f"/v1/licenses/{lic}",
        headers=agency.headers,
        json={"lines": ["Personal Lines", "Life"]},
    ).json()
    assert (widened["lines"], widened["verified"]) == (["life", "personal_lines"], False)


def test_a_license_for_another_agencys_producer_is_refused(
    client: TestClient, container: Container
) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    theirs = make_producer(container, a.id)
    response = post_license(client, b.headers, theirs)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "producer_id"
    mine = make_license(container, a.id, theirs, verifier=None)
    assert client.get(f"/v1/licenses/{mine}", headers=b.headers).status_code == 404
    moved = client.patch(f"/v1/licenses/{mine}", headers=a.headers, json={"producer_id": 999})
    assert moved.status_code == 422


def test_the_same_license_twice_is_a_conflict(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    make_license(container, agency.id, p, number="A-1", verifier=None)
    again = post_license(
        client, agency.headers, p, number="A-1", resident=False, effective_date="2021-01-01"
    )
    assert again.status_code == 409


def test_dates_and_lines_are_checked(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    response = post_license(client, agency.headers, p, state="ZZ", lines=["Pets"])
    assert {e["field"] for e in response.json()["errors"]} == {"state", "lines"}
    backwards = post_license(client, agency.headers, p, expiration_date="2019-01-01")
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [
        {"field": "expiration_date", "reason": "must be after the effective date"}
    ]


def test_a_license_can_be_deleted(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    lic = make_license(container, agency.id, make_producer(container, agency.id), verifier=None)
    assert client.delete(f"/v1/licenses/{lic}", headers=agency.headers).status_code == 204
    assert client.get(f"/v1/licenses/{lic}", headers=agency.headers).status_code == 404
