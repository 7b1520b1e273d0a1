"""A key bound to a producer reads only that producer's own: their leads (another producer's
lead is 404, as if it did not exist), their figures (asking for another producer's is 403),
and no agency-wide figures (403). Unbound keys keep reading the whole agency."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.domain.model import Role
from tests.support.factories import TestAgency, make_agency, make_lead, make_producer
from tests.support.notify import channels_for, dispatch
from tests.support.roster import key_headers


@dataclass(frozen=True)
class Scene:
    agency: TestAgency
    alice: int
    ben: int
    alices_lead: int
    bens_lead: int
    alices_key: dict[str, str]


@pytest.fixture
def scene(container: Container) -> Scene:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    ben = make_producer(c, agency.id, 2, licensed_in=("NJ",))
    alices_lead = make_lead(c, agency.id, 1)
    bens_lead = make_lead(c, agency.id, 2, zip_code="07030")
    return Scene(
        agency, alice, ben, alices_lead, bens_lead, key_headers(c, agency.id, Role.PRODUCER, alice)
    )


def _problem(response: object, status: int) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]


def test_a_producer_key_lists_only_its_own_leads(client: TestClient, scene: Scene) -> None:
    mine = client.get("/v1/leads", headers=scene.alices_key)
    assert [lead["id"] for lead in mine.json()["items"]] == [scene.alices_lead]
    _problem(client.get(f"/v1/leads?owner_id={scene.ben}", headers=scene.alices_key), 403)
    everyone = client.get("/v1/leads", headers=scene.agency.headers).json()["items"]
    assert {lead["id"] for lead in everyone} == {scene.alices_lead, scene.bens_lead}


@pytest.mark.parametrize(
    "path",
    ["", "/decision", "/decisions", "/events", "/activities", "/assignments"],
)
def test_another_producers_lead_and_everything_about_it_is_404_to_a_producer_key(
    client: TestClient, scene: Scene, path: str
) -> None:
    own = client.get(f"/v1/leads/{scene.alices_lead}{path}", headers=scene.alices_key)
    assert own.status_code == 200, own.text
    _problem(client.get(f"/v1/leads/{scene.bens_lead}{path}", headers=scene.alices_key), 404)
    manager = client.get(f"/v1/leads/{scene.bens_lead}{path}", headers=scene.agency.headers)
    assert manager.status_code == 200


def test_a_producer_key_cannot_record_events_on_another_producers_lead(
    client: TestClient, scene: Scene
) -> None:
    event = {"type": "quote_started", "at": "2026-03-03T13:59:00Z"}
    _problem(
        client.post(f"/v1/leads/{scene.bens_lead}/events", headers=scene.alices_key, json=event),
        404,
    )
    own = client.post(f"/v1/leads/{scene.alices_lead}/events", headers=scene.alices_key, json=event)
    assert own.status_code == 201, own.text


def test_a_producer_key_exports_only_its_own_leads(client: TestClient, scene: Scene) -> None:
    exported = client.get("/v1/leads/export.csv", headers=scene.alices_key)
    assert exported.status_code == 200
    names = [row["Last Name"] for row in csv.DictReader(io.StringIO(exported.text))]
    assert names == ["Lead1"]
    _problem(
        client.get(f"/v1/leads/export.csv?producer_id={scene.ben}", headers=scene.alices_key), 403
    )
    everyone = client.get("/v1/leads/export.csv", headers=scene.agency.headers).text
    assert "Lead2" in everyone


def test_a_producer_key_reads_its_own_figures_and_no_agency_wide_ones(
    client: TestClient, scene: Scene
) -> None:
    stats = client.get("/v1/reports/producers", headers=scene.alices_key)
    assert stats.status_code == 200
    assert {row["producer_id"] for row in stats.json()["producers"]} == {scene.alice}
    _problem(
        client.get(f"/v1/reports/producers?producer_id={scene.ben}", headers=scene.alices_key),
        403,
    )
    for path in (
        "/v1/reports/sources",
        "/v1/reports/monthly/2026-03",
        "/v1/estimates/conversion",
        "/v1/queue",
        "/v1/audit/verify",
    ):
        _problem(client.get(path, headers=scene.alices_key), 403)
        assert client.get(path, headers=scene.agency.headers).status_code == 200, path
    everyone = client.get("/v1/reports/producers", headers=scene.agency.headers).json()
    assert {row["producer_id"] for row in everyone["producers"]} == {scene.alice, scene.ben}


def test_a_producer_key_reads_only_its_own_alerts(
    container: Container, client: TestClient, scene: Scene
) -> None:
    dispatch(container, channels_for(container))  # the new-lead alerts reach the table
    assert client.get("/v1/alerts", headers=scene.alices_key).status_code == 200
    _problem(client.get(f"/v1/alerts?producer_id={scene.ben}", headers=scene.alices_key), 403)
    _problem(client.get("/v1/alerts?role=manager", headers=scene.alices_key), 403)
    items = client.get("/v1/alerts", headers=scene.alices_key).json()["items"]
    assert items and {a["producer_id"] for a in items} == {scene.alice}


def test_a_compliance_key_records_no_behavioral_events(
    container: Container, client: TestClient, scene: Scene
) -> None:
    compliance = key_headers(container, scene.agency.id, Role.COMPLIANCE)
    event = {"type": "quote_started", "at": "2026-03-03T13:59:00Z"}
    _problem(
        client.post(f"/v1/leads/{scene.alices_lead}/events", headers=compliance, json=event), 403
    )
    assert client.get(f"/v1/leads/{scene.alices_lead}", headers=compliance).status_code == 200


def test_a_producer_key_reads_only_its_own_producer_record_and_licenses(
    client: TestClient, scene: Scene
) -> None:
    mine = client.get("/v1/producers", headers=scene.alices_key).json()["items"]
    assert [p["id"] for p in mine] == [scene.alice]
    assert client.get(f"/v1/producers/{scene.alice}", headers=scene.alices_key).status_code == 200
    _problem(client.get(f"/v1/producers/{scene.ben}", headers=scene.alices_key), 403)
    licenses = client.get("/v1/licenses", headers=scene.alices_key).json()["items"]
    assert licenses and {x["producer_id"] for x in licenses} == {scene.alice}
    _problem(client.get(f"/v1/licenses?producer_id={scene.ben}", headers=scene.alices_key), 403)
    everything = client.get("/v1/licenses", headers=scene.agency.headers).json()["items"]
    bens = next(x["id"] for x in everything if x["producer_id"] == scene.ben)
    _problem(client.get(f"/v1/licenses/{bens}", headers=scene.alices_key), 403)
    assert client.get(f"/v1/licenses/{bens}", headers=scene.agency.headers).status_code == 200
    everyone = client.get("/v1/producers", headers=scene.agency.headers).json()["items"]
    assert {p["id"] for p in everyone} == {scene.alice, scene.ben}
