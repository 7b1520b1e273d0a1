"""/v1/compliance over HTTP: reconciliations (roles, media types, history) and license alerts."""

import hashlib
from datetime import date, timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.compliance.expirations import sweep
from tests.conftest import T0
from tests.support.compliance import (
    REPORT,
    report_csv,
    report_xml,
    roster,
)
from tests.support.factories import make_agency, make_license, make_producer
from tests.support.roster import headers_for


def test_a_dry_run_by_any_key_is_kept_and_apply_needs_compliance_or_manager(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    producer_key = headers_for(container, agency, "producer")
    data = report_csv(REPORT)
    dry = client.post(
        "/v1/compliance/reconciliations?file_name=pdb.csv",
        content=data,
        headers={**producer_key, "Content-Type": "text/csv"},
    )
    assert dry.status_code == 201, dry.text
    body = dry.json()
    assert (body["applied"], body["differences"], body["applied_differences"]) == (False, 5, 0)
    assert dry.headers["Location"] == f"/v1/compliance/reconciliations/{body['id']}"
    refused = client.post(
        "/v1/compliance/reconciliations?apply=true",
        content=data,
        headers={**producer_key, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 403
    compliance = headers_for(container, agency, "compliance", name="Dana")
    applied = client.post(
        "/v1/compliance/reconciliations?apply=true&file_name=pdb.xml",
        content=report_xml(REPORT),
        headers={**compliance, "Content-Type": "application/xml"},
    )
    assert applied.status_code == 201, applied.text
    done = applied.json()
    assert (done["format"], done["applied"], done["applied_differences"]) == ("xml", True, 4)
    assert done["applied_by"].startswith("Dana (key ")
    history = client.get("/v1/compliance/reconciliations", headers=agency.headers).json()
    assert [(r["id"], r["applied"], r["file_name"]) for r in history["items"]] == [
        (body["id"], False, "pdb.csv"),
        (done["id"], True, "pdb.xml"),
    ]
    assert history["items"][0]["file_digest"] == hashlib.sha256(data).hexdigest()
    one = client.get(f"/v1/compliance/reconciliations/{done['id']}", headers=agency.headers)
    assert sorted(d["kind"] for d in one.json()["items"] if d["applied"]) == [
        "add",
        "deactivate",
        "update",
        "verify",
    ]


def test_a_billion_laughs_upload_gets_422_and_other_agencies_see_none_of_it(
    client: TestClient, container: Container
) -> None:
    agency, other = make_agency(container, "A"), make_agency(container, "B")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>'
    )
    response = client.post(
        "/v1/compliance/reconciliations",
        content=bomb,
        headers={**agency.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "DTD" in response.json()["detail"]
    mine = client.get("/v1/compliance/reconciliations", headers=agency.headers).json()
    assert [r["differences"] for r in mine["items"]] == [1]
    theirs = client.get("/v1/compliance/reconciliations", headers=other.headers).json()
    assert theirs["items"] == []
    missing = client.get(
        f"/v1/compliance/reconciliations/{mine['items'][0]['id']}", headers=other.headers
    )
    assert missing.status_code == 404


def test_a_report_in_another_media_type_gets_415(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/compliance/reconciliations",
        content=b"{}",
        headers={**agency.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 415


def test_a_csv_without_the_registry_columns_is_refused_naming_them(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/compliance/reconciliations",
        content=b"NPN,State\n1,NY\n",
        headers={**agency.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert "license_number" in response.json()["detail"]


def test_recorded_license_alerts_are_listed_newest_first(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    ben = make_producer(container, agency.id, name="Ben Okafor")
    make_license(container, agency.id, ana, "NY", "NY-1", expires=T0.date() + timedelta(days=10))
    make_license(container, agency.id, ben, "NJ", "NJ-1", expires=T0.date() - timedelta(days=1))
    sweep(uow=container.uow(), agency_id=agency.id, now=container.clock.now())
    body = client.get("/v1/compliance/alerts", headers=agency.headers).json()
    assert [(a["producer_name"], a["state"], a["days_before"]) for a in body["items"]] == [
        ("Ana Diaz", "NY", 30),
        ("Ben Okafor", "NJ", 0),
    ]
    assert body["items"][1]["expiration_date"] == (T0.date() - timedelta(days=1)).isoformat()
    only_ana = client.get(
        f"/v1/compliance/alerts?producer_id={ana}&limit=1", headers=agency.headers
    ).json()
    assert ([a["number"] for a in only_ana["items"]], only_ana["next_cursor"]) == (["NY-1"], None)
    first = client.get("/v1/compliance/alerts?limit=1", headers=agency.headers).json()
    rest = client.get(
        f"/v1/compliance/alerts?limit=1&cursor={first['next_cursor']}", headers=agency.headers
    ).json()
    assert [a["number"] for a in first["items"] + rest["items"]] == ["NY-1", "NJ-1"]
    assert date.fromisoformat(body["items"][0]["expiration_date"]) == T0.date() + timedelta(10)
