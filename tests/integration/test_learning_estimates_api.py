"""Conversion estimates over HTTP, and the optimizer routing on them with a logged probability."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.sim.agency import load_synthetic_agency
from tests.support.factories import insert_lead, producer_ids

OPTIMIZER = """
name: optimizer
routing:
  steps: [{type: availability}, {type: caps}]
  strategy: {type: optimizer, exploration: 0.1}
"""

LEAD = {
    "first_name": "Op",
    "last_name": "Timal",
    "email": "op@example.com",
    "phone": "(212) 736-0171",
    "zip": "10001",
    "insurance_type": "home",
    "source": "web",
}


def _history(container: Container, agency_id: int) -> tuple[int, int]:
    now = container.clock.now()
    with container.engine.begin() as conn:
        closer, other = producer_ids(conn, agency_id)
        for n in range(40):
            for owner, bound in ((closer, n % 2 == 0), (other, n % 10 == 0)):
                insert_lead(
                    conn,
                    agency_id=agency_id,
                    now=now - timedelta(days=5),
                    owner_id=owner,
                    status="bound" if bound else "lost",
                    status_changed_at=now - timedelta(days=2),
                    source_name="web",
                    intent_tier="high",
                    premium=1200 if bound else None,
                    email=f"h{owner}-{n}@x.example",
                )
    return closer, other


def test_estimates_are_served_per_producer_and_segment_with_intervals(
    client: TestClient, container: Container
) -> None:
    agency = load_synthetic_agency(container, producers=2, policy=None)
    closer, other = _history(container, agency.agency_id)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    body = client.get("/v1/estimates/conversion?window_days=30", headers=headers).json()
    assert body["window_days"] == 30 and body["agency_rate"] == 0.3
    rates = {p["producer_id"]: p for p in body["producers"]}
    assert rates[closer]["estimate"] > rates[other]["estimate"]
    assert (rates[closer]["closed"], rates[closer]["bound"]) == (40, 20)
    cell = next(c for c in body["cells"] if c["producer_id"] == closer)
    assert (cell["line"], cell["tier"], cell["source"], cell["state_group"]) == (
        "personal",
        "high",
        "web",
        "northeast",
    )
    assert cell["low"] < cell["estimate"] < cell["high"]
    old = client.get("/v1/estimates/conversion?window_days=1", headers=headers).json()
    assert old["cells"] == []


def test_the_optimizer_routes_on_the_estimates_and_logs_the_probability_of_its_choice(
    client: TestClient, container: Container
) -> None:
    agency = load_synthetic_agency(container, producers=2, policy=OPTIMIZER)
    closer, _ = _history(container, agency.agency_id)
    headers = {"Authorization": f"Bearer {agency.api_key}"}
    lead = client.post("/v1/leads", headers=headers, json=LEAD).json()
    explanation = client.get(f"/v1/leads/{lead['id']}/decision", headers=headers).json()[
        "explanation"
    ]
    assert explanation["strategy"] == "optimizer"
    assert 0 < explanation["propensity"] <= 1
    notes = {c["producer_id"]: c for c in explanation["candidates"]}
    assert notes[closer]["score_parts"]["posterior_mean"] > 0.3
    assert any("expected binds" in step for step in explanation["steps"])
