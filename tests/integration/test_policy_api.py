"""The policy document over HTTP: versions, validation, lint, dry-run, and the next decision."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store.tables import decisions, leads

ROUND_ROBIN = """
name: round robin for everyone
routing:
  steps:
    - type: availability
    - type: caps
  strategy: round_robin
"""

LEAD = {
    "first_name": "Po",
    "last_name": "Licy",
    "email": "po@example.com",
    "phone": "(212) 736-0170",
    "zip": "10001",
    "insurance_type": "home",
}


def _setup(client: TestClient, container: Container) -> dict[str, str]:
    agency = load_synthetic_agency(container, producers=3, policy=None)
    return {"Authorization": f"Bearer {agency.api_key}"}


def _count(container: Container, table: sa.Table) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_shipped_policy_is_version_0_until_an_agency_saves_its_own(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    shipped = client.get("/v1/policy", headers=headers).json()
    assert (shipped["version"], shipped["routing"]["strategy"]["type"]) == (0, "weighted_score")

    saved = client.put(
        "/v1/policy", headers={**headers, "Content-Type": "application/yaml"}, content=ROUND_ROBIN
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1
    assert [
        v["version"] for v in client.get("/v1/policy/versions", headers=headers).json()["items"]
    ] == [1]

    lead = client.post("/v1/leads", headers=headers, json=LEAD).json()
    decision = client.get(f"/v1/leads/{lead['id']}/decision", headers=headers).json()
    assert decision["policy_version"] == 1
    assert decision["explanation"]["strategy"] == "round_robin"


def test_an_invalid_document_is_refused_naming_the_path_and_nothing_is_saved(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    bad = {
        "routing": {
            "steps": [{"type": "segment", "when": "lead.state ==", "to": {"teams": ["Team 1"]}}],
            "strategy": "fastest",
        }
    }
    response = client.put("/v1/policy", headers=headers, json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert any(f.startswith("routing.steps[0]") for f in fields)
    assert any(f.startswith("routing.strategy") for f in fields)
    assert client.get("/v1/policy/versions", headers=headers).json()["items"] == []


def test_dry_run_shows_the_decision_and_writes_nothing(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    before = (_count(container, leads), _count(container, decisions))
    response = client.post("/v1/policy/dry-run", headers=headers, json={"lead": LEAD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["outcome"] == "assigned" and body["producer_id"] is not None
    assert (_count(container, leads), _count(container, decisions)) == before


def test_lint_reports_what_no_licensed_producer_covers(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    document = {"routing": {"coverage": {"states": ["NY", "TX"], "insurance_types": ["home"]}}}
    findings = client.post("/v1/policy/lint", headers=headers, json=document).json()["findings"]
    found = [(f["path"], f["message"]) for f in findings]
    assert ("routing.coverage", "TX: no producer holds an active license for Homeowners") in found
    assert not any(message.startswith("NY:") for _, message in found), found


def test_intent_tier_rules_send_low_intent_leads_to_nurture(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    policy = {"routing": {"tiers": {"low": {"action": "nurture"}}}}
    assert client.put("/v1/policy", headers=headers, json=policy).status_code == 200
    low = client.post("/v1/leads", headers=headers, json={**LEAD, "intent_tier": "low"}).json()
    high = client.post(
        "/v1/leads",
        headers=headers,
        json={
            **LEAD,
            "intent_tier": "high",
            "email": "hi@example.com",
            "phone": "(212) 736-0171",
        },
    ).json()
    assert (low["status"], low["intent_tier"], low["owner_id"]) == ("nurture", "low", None)
    assert high["status"] == "assigned"


def test_lint_knows_the_insurance_types_the_agency_added(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    settings = client.get("/v1/agency/settings", headers=headers).json()
    pet = {"label": "Pet", "business_line": "personal", "requires": [["property"]]}
    settings["insurance_types"] = {"pet": pet}
    assert client.put("/v1/agency/settings", headers=headers, json=settings).status_code == 200
    document = {"routing": {"coverage": {"states": ["NY", "TX"], "insurance_types": ["pet"]}}}
    findings = client.post("/v1/policy/lint", headers=headers, json=document).json()["findings"]
    found = [(f["path"], f["message"]) for f in findings]
    assert ("routing.coverage", "TX: no producer holds an active license for Pet") in found
    assert not any("unknown insurance type" in message for _, message in found), found


def test_absurd_or_non_finite_strategy_weights_are_refused_naming_the_weight(
    client: TestClient, container: Container
) -> None:
    headers = _setup(client, container)
    yaml_headers = {**headers, "Content-Type": "application/yaml"}
    cases = {
        "routing:\n  strategy: {type: weighted_score, weights: {capacity: 1e308}}\n": (
            "routing.strategy.weights.capacity"
        ),
        "routing:\n  strategy: {type: weighted_score, weights: {close_rate: .inf}}\n": (
            "routing.strategy.weights.close_rate"
        ),
        "routing:\n  strategy: {type: weighted_round_robin, weights: {1: 1.0e+300}}\n": (
            "routing.strategy.weights[1]"
        ),
    }
    for text, field in cases.items():
        response = client.put("/v1/policy", headers=yaml_headers, content=text)
        assert response.status_code == 422, (text, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        fields = [e["field"] for e in response.json()["errors"]]
        assert fields == [field], (text, fields)
    assert client.get("/v1/policy/versions", headers=headers).json()["items"] == []
    fine = "routing:\n  strategy: {type: weighted_score, weights: {capacity: 1000000}}\n"
    assert client.put("/v1/policy", headers=yaml_headers, content=fine).status_code == 200
