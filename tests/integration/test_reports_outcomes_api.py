"""Outcomes with their data over the API, bind corrections, commission rates, and the report
endpoints that read them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.tables import outbox
from tests.support.factories import TestAgency, make_agency, make_lead, make_producer
from tests.support.time_engine import subscribe


def _status(client: TestClient, agency: TestAgency, lead: int, **body: Any) -> Any:
    return client.post(f"/v1/leads/{lead}/status", headers=agency.headers, json=body)


def _agency_with_leads(c: Container, n: int) -> tuple[TestAgency, int, list[int]]:
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    return agency, alice, [make_lead(c, agency.id, i, source="Google Ads") for i in range(n)]


def test_a_quote_a_bind_and_a_loss_keep_their_data_and_the_bind_can_be_corrected(
    container: Container, client: TestClient
) -> None:
    agency, _, (won, gone) = _agency_with_leads(container, 2)
    subscribe(container, agency.id, "lead.outcome")
    rates = {
        "default": "0.10",
        "by_line": {"personal": "0.12"},
        "by_source": {"Google Ads": "0.15"},
    }
    put = client.put("/v1/agency/commission-rates", headers=agency.headers, json=rates)
    assert put.status_code == 200, put.text

    quoted = _status(client, agency, won, status="quoted", premium="1800.00")
    assert quoted.status_code == 200, quoted.text
    assert quoted.json()["quoted_premium"] == "1800.00"
    bound = _status(client, agency, won, status="bound", premium="1750.00", policy_number="P-1")
    assert bound.status_code == 200, bound.text
    lead = bound.json()
    # The source's rate wins over the line's: 1750 x 0.15.
    assert (lead["premium"], lead["commission"], lead["policy_number"]) == (
        "1750.00",
        "262.50",
        "P-1",
    )
    assert lead["quoted_at"] is not None and lead["bound_at"] is not None

    fixed = client.patch(
        f"/v1/leads/{won}/bind", headers=agency.headers, json={"premium": "2000.00"}
    )
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["premium"], fixed.json()["commission"]) == ("2000.00", "300.00")
    given = client.patch(f"/v1/leads/{won}/bind", headers=agency.headers, json={"commission": "5"})
    assert given.json()["commission"] == "5.00"

    lost = _status(client, agency, gone, status="lost", lost_reason="price")
    assert lost.status_code == 200 and lost.json()["lost_reason"] == "price"
    not_bound = client.patch(f"/v1/leads/{gone}/bind", headers=agency.headers, json={"premium": 1})
    assert not_bound.status_code == 409

    with container.engine.connect() as conn:
        hooks = [
            r.payload
            for r in conn.execute(
                sa.select(outbox.c.payload).where(outbox.c.event == "lead.outcome")
            )
        ]
    bound_hooks = [h for h in hooks if h.get("outcome") == "bound"]
    assert [h.get("corrected", False) for h in bound_hooks] == [False, True, True]
    assert bound_hooks[0]["commission"] == 262.5 and bound_hooks[1]["premium"] == 2000.0


def test_a_bound_lead_without_a_premium_can_be_given_one_later(
    container: Container, client: TestClient
) -> None:
    agency, _, (lead,) = _agency_with_leads(container, 1)
    assert _status(client, agency, lead, status="bound").json()["premium"] is None
    fixed = client.patch(
        f"/v1/leads/{lead}/bind", headers=agency.headers, json={"premium": "900.00"}
    )
    # The default rate (10 %) when the agency set none.
    assert (fixed.json()["premium"], fixed.json()["commission"]) == ("900.00", "90.00")


def test_outcome_data_that_does_not_belong_to_the_status_is_refused(
    container: Container, client: TestClient
) -> None:
    agency, _, (lead,) = _agency_with_leads(container, 1)
    wrong = _status(client, agency, lead, status="contacted", premium="10.00")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "premium"
    assert _status(client, agency, lead, status="lost", lost_reason="aliens").status_code == 422
    policy = _status(client, agency, lead, status="quoted", policy_number="P-9")
    assert policy.status_code == 422


def test_a_call_attempt_counts_but_does_not_stop_the_escalation(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    agency, alice, (lead,) = _agency_with_leads(container, 1)
    url = f"/v1/leads/{lead}/activities"
    for _ in range(2):
        made = client.post(
            url, headers=agency.headers, json={"producer_id": alice, "kind": "call_attempt"}
        )
        assert made.status_code == 201
    listed = client.get(url, headers=agency.headers).json()
    assert (listed["attempts"], listed["first_contact_at"]) == (2, None)
    clock.advance(timedelta(minutes=3))
    client.post(url, headers=agency.headers, json={"producer_id": alice, "kind": "contact_made"})
    assert client.get(url, headers=agency.headers).json()["response_seconds"] == 180


def test_the_report_endpoints_answer_with_the_recorded_outcomes(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    agency, alice, leads = _agency_with_leads(container, 3)
    client.post(
        "/v1/lead-sources",
        headers=agency.headers,
        json={"name": "Google Ads", "cost_per_lead": "40.00"},
    )
    _status(client, agency, leads[0], status="bound", premium="1000.00")
    _status(client, agency, leads[1], status="lost", lost_reason="price")
    month = clock.now().strftime("%Y-%m")

    stats = client.get("/v1/reports/producers", headers=agency.headers).json()
    (mine,) = stats["producers"]
    assert (mine["producer_id"], mine["leads"], mine["bound"], mine["close_rate"]) == (
        alice,
        3,
        1,
        0.5,
    )
    assert stats["rows"][0]["source"] == "Google Ads"

    roi = client.get(f"/v1/reports/sources?from={month}&to={month}", headers=agency.headers).json()[
        "items"
    ]
    assert [(r["source"], r["leads"], r["cost"], r["commission"], r["roi"]) for r in roi] == [
        ("Google Ads", 3, "120.00", "100.00", (100 - 120) / 120)
    ]

    report = client.get(f"/v1/reports/monthly/{month}", headers=agency.headers)
    assert report.status_code == 200
    assert report.json()["conversion"]["premium"] == "1000.00"
    assert report.json()["cost"]["per_bind"] == "120.00"
    html = client.get(f"/v1/reports/monthly/{month}?format=html", headers=agency.headers)
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "Google Ads" in html.text
    csv_text = client.get(f"/v1/reports/monthly/{month}?format=csv", headers=agency.headers).text
    assert "conversion,all,premium,1000.00" in csv_text.splitlines()
    assert client.get("/v1/reports/monthly/2026-13", headers=agency.headers).status_code == 422
    assert client.get(f"/v1/reports/monthly/{month}").status_code == 401


def test_a_month_outside_the_calendar_is_a_422_naming_the_field(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.get("/v1/reports/sources?to=0000-01", headers=agency.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "to"
