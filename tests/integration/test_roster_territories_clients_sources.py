"""/v1/territories, /v1/clients and /v1/lead-sources."""

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from tests.support.factories import make_agency, make_producer


def test_a_territory_goes_to_a_pod_with_normalized_places(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/territories",
        headers=agency.headers,
        json={
            "name": "North County",
            "zip_ranges": ["10001-10099"],
            "zip_prefixes": ["063"],
            "states": ["ct"],
            "counties": ["ny:kings"],
            "pod": "North",
            "business_lines": ["personal", "commercial"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["zip_ranges"] == ["10001-10099"]
    assert (body["states"], body["counties"]) == (["CT"], ["NY:Kings County"])
    assert body["business_lines"] == ["commercial", "personal"]


def test_a_territory_needs_exactly_one_owner_and_some_place(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    p = make_producer(container, agency.id)
    both = client.post(
        "/v1/territories",
        headers=agency.headers,
        json={"name": "T", "zip_prefixes": ["100"], "pod": "North", "producer_id": p},
    )
    assert both.status_code == 422
    nowhere = client.post(
        "/v1/territories", headers=agency.headers, json={"name": "T", "producer_id": p}
    )
    assert nowhere.json()["errors"][0]["field"] == "zip_ranges"
    mine = client.post(
        "/v1/territories",
        headers=agency.headers,
        json={"name": "T", "zip_prefixes": ["100"], "producer_id": p},
    )
    assert mine.status_code == 201


def test_territory_names_are_unique_and_patches_are_rechecked(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    body = {"name": "Metro", "zip_ranges": ["10200-10299"], "pod": "Metro"}
    created = client.post("/v1/territories", headers=agency.headers, json=body).json()
    assert client.post("/v1/territories", headers=agency.headers, json=body).status_code == 409
    p = make_producer(container, agency.id)
    both = client.patch(
        f"/v1/territories/{created['id']}", headers=agency.headers, json={"producer_id": p}
    )
    assert both.status_code == 422
    moved = client.patch(
        f"/v1/territories/{created['id']}",
        headers=agency.headers,
        json={"producer_id": p, "pod": None},
    )
    assert (moved.json()["producer_id"], moved.json()["pod"]) == (p, None)
    gone = client.delete(f"/v1/territories/{created['id']}", headers=agency.headers)
    assert gone.status_code == 204


def test_another_agencys_territory_is_not_found(client: TestClient, container: Container) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    t = client.post(
        "/v1/territories", headers=a.headers, json={"name": "T", "states": ["NY"], "pod": "X"}
    ).json()
    assert client.get(f"/v1/territories/{t['id']}", headers=b.headers).status_code == 404


def test_clients_are_normalized_like_leads_so_they_match(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    owner = make_producer(container, agency.id)
    response = client.post(
        "/v1/clients",
        headers=agency.headers,
        json={
            "name": "Grace Liu",
            "phone": "212.736.0141",
            "email": "Grace.Liu@Example.com",
            "external_id": "C1",
            "owner_producer_id": owner,
        },
    )
    assert response.status_code == 201
    assert (response.json()["phone"], response.json()["email"]) == (
        "+12127360141",
        "grace.liu@example.com",
    )
    found = client.get(
        "/v1/clients", params={"phone": "(212) 736-0141"}, headers=agency.headers
    ).json()["items"]
    assert [c["name"] for c in found] == ["Grace Liu"]
    by_email = client.get(
        "/v1/clients", params={"email": "GRACE.LIU@example.com"}, headers=agency.headers
    ).json()["items"]
    assert len(by_email) == 1


def test_a_client_needs_a_way_to_match_and_an_owner_of_this_agency(
    client: TestClient, container: Container
) -> None:
    a, b = make_agency(container, "A"), make_agency(container, "B")
    theirs = make_producer(container, a.id)
    nothing = client.post("/v1/clients", headers=b.headers, json={"name": "X"})
    assert nothing.json()["errors"][0]["field"] == "phone"
    foreign = client.post(
        "/v1/clients",
        headers=b.headers,
        json={"name": "X", "email": "x@example.com", "csr_producer_id": theirs},
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "csr_producer_id"


def test_client_external_ids_are_unique(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    body = {"name": "X", "email": "x@example.com", "external_id": "C1"}
    first = client.post("/v1/clients", headers=agency.headers, json=body).json()
    assert client.post("/v1/clients", headers=agency.headers, json=body).status_code == 409
    renamed = client.patch(f"/v1/clients/{first['id']}", headers=agency.headers, json={"name": "Y"})
    assert renamed.json()["name"] == "Y"
    assert client.delete(f"/v1/clients/{first['id']}", headers=agency.headers).status_code == 204


def test_lead_sources_have_costs_and_required_fields(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/lead-sources",
        headers=agency.headers,
        json={
            "name": "quotewizard",
            "cost_per_lead": "18.50",
            "required_fields": ["phone", "first_name", "phone"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["cost_per_lead"], body["required_fields"]) == (18.5, ["first_name", "phone"])
    again = client.post("/v1/lead-sources", headers=agency.headers, json={"name": "quotewizard"})
    assert again.status_code == 409
    bad = client.post(
        "/v1/lead-sources",
        headers=agency.headers,
        json={"name": "x", "cost_per_lead": -1, "required_fields": ["shoe_size"]},
    )
    assert {e["field"] for e in bad.json()["errors"]} == {"cost_per_lead", "required_fields.0"}
    off = client.patch(
        f"/v1/lead-sources/{body['id']}",
        headers=agency.headers,
        json={"active": False, "cost_per_lead": 20},
    )
    assert (off.json()["active"], off.json()["cost_per_lead"]) == (False, 20.0)
    listed = client.get("/v1/lead-sources", headers=agency.headers).json()["items"]
    assert [s["name"] for s in listed] == ["quotewizard"]
