"""GET/PUT /v1/agency/settings: dedupe window, required fields, insurance type overrides."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from leadrouter.services.admin.agencies import issue_key
from leadrouter.store.tables import agencies
from tests.support.factories import LEAD_BODY, make_agency, make_producer


def test_an_agency_starts_with_the_default_settings(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    settings = client.get("/v1/agency/settings", headers=agency.headers).json()
    assert settings == {
        "dedupe_window_days": 30,
        "required_fields": ["first_name", "last_name", "email", "phone", "zip", "insurance_type"],
        "insurance_types": {},
        "form_thank_you_url": None,
        "sender_intent_tier": True,
        "call_insurance_type": None,  # a call's line then comes from the policy's default
    }


def test_required_fields_are_the_agencys_to_choose(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    put = client.put(
        "/v1/agency/settings",
        headers=agency.headers,
        json={"required_fields": ["phone", "insurance_type"]},
    )
    assert put.status_code == 200
    lead = client.post(
        "/v1/leads", headers=agency.headers, json={"phone": "2128675309", "insurance_type": "life"}
    )
    assert lead.status_code == 201
    assert (lead.json()["first_name"], lead.json()["zip"]) == ("", None)


def test_overrides_add_change_and_turn_off_insurance_types(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    put = client.put(
        "/v1/agency/settings",
        headers=agency.headers,
        json={
            "insurance_types": {
                "pet": {
                    "label": "Pet",
                    "business_line": "personal",
                    "requires": [["personal_lines"]],
                },
                "boat": {"requires": [["property", "casualty"]]},
                "annuity": {"enabled": False},
            }
        },
    )
    assert put.status_code == 200, put.text
    types = {
        t["code"]: t
        for t in client.get("/v1/agency/insurance-types", headers=agency.headers).json()
    }
    assert types["pet"]["requires"] == [["personal_lines"]]
    assert types["boat"]["requires"] == [["casualty", "property"]]
    assert "annuity" not in types
    pet = client.post(
        "/v1/leads", headers=agency.headers, json={**LEAD_BODY, "insurance_type": "Pet"}
    )
    assert (pet.status_code, pet.json()["insurance_type"]) == (201, "pet")
    annuity = client.post(
        "/v1/leads",
        headers=agency.headers,
        json={
            **LEAD_BODY,
            "phone": "646-736-0142",
            "email": "a@example.com",
            "insurance_type": "annuity",
        },
    )
    assert annuity.status_code == 422
    assert annuity.json()["errors"][0]["field"] == "insurance_type"
    assert "pet" in annuity.json()["errors"][0]["reason"]


def test_bad_settings_are_refused_naming_the_field(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    for body, field in (
        ({"dedupe_window_days": -3}, "dedupe_window_days"),
        ({"required_fields": ["zip"]}, "required_fields"),
        ({"required_fields": ["insurance_type", "shoe_size"]}, "required_fields.1"),
        (
            {"insurance_types": {"boat": {"requires": [["astrology"]]}}},
            "insurance_types.boat.requires.0.0",
        ),
        ({"insurance_types": {"pet": {"label": "Pet"}}}, "insurance_types"),
        ({"colour": "red"}, "colour"),
    ):
        response = client.put("/v1/agency/settings", json=body, headers=agency.headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, response.json()
    assert (
        client.get("/v1/agency/settings", headers=agency.headers).json()["dedupe_window_days"] == 30
    )


def test_only_a_manager_may_change_settings(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    _, producer_key = issue_key(
        uow=container.uow(),
        agency_id=agency.id,
        name="p",
        now=container.clock.now(),
        role=Role.PRODUCER,
        producer_id=make_producer(container, agency.id),
    )
    headers = {"Authorization": f"Bearer {producer_key}"}
    assert client.get("/v1/agency/settings", headers=headers).status_code == 200
    response = client.put("/v1/agency/settings", json={"dedupe_window_days": 1}, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_other_settings_of_the_agency_are_kept(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    with container.engine.begin() as conn:
        conn.execute(
            agencies.update()
            .where(agencies.c.id == agency.id)
            .values(settings={"quiet_hours": {"start": "21:00"}})
        )
    client.put("/v1/agency/settings", json={"dedupe_window_days": 9}, headers=agency.headers)
    with container.engine.connect() as conn:
        stored = conn.execute(
            sa.select(agencies.c.settings).where(agencies.c.id == agency.id)
        ).scalar_one()
    assert stored["quiet_hours"] == {"start": "21:00"}
    assert stored["dedupe_window_days"] == 9


def test_settings_belong_to_one_agency(client: TestClient, container: Container) -> None:
    a = make_agency(container, "A")
    b = make_agency(container, "B")
    client.put("/v1/agency/settings", json={"dedupe_window_days": 3}, headers=a.headers)
    assert client.get("/v1/agency/settings", headers=b.headers).json()["dedupe_window_days"] == 30
