"""The dashboard's figures: today's leads in the agency's day, the pipeline, the week's binds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.reports.today import today_figures
from tests.support.factories import insert_lead, make_agency, make_lead, make_producer


def test_todays_figures_count_only_todays_leads_and_the_pipeline_counts_all(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    with c.engine.begin() as conn:
        insert_lead(
            conn,
            agency_id=agency.id,
            now=clock.now() - timedelta(days=2),
            owner_id=alice,
            status="quoted",
        )
    leads = [make_lead(c, agency.id, n) for n in range(3)]
    clock.advance(timedelta(minutes=3))
    url = f"/v1/leads/{leads[0]}/activities"
    client.post(url, headers=agency.headers, json={"producer_id": alice, "kind": "contact_made"})
    for lead, body in (
        (leads[1], {"status": "bound", "premium": "800.00"}),
        (leads[2], {"status": "quoted", "premium": "500.00"}),
    ):
        assert client.post(f"/v1/leads/{lead}/status", headers=agency.headers, json=body).is_success

    today = today_figures(uow=c.uow(readonly=True), agency_id=agency.id, now=clock.now())
    assert (today.total.leads, today.total.never_contacted) == (3, 0)
    assert today.total.within_5_min == 3  # outcomes past "assigned" count as a contact
    assert today.quoted_pending == 2  # today's quote and the one from two days ago
    assert (today.binds_this_week, today.premium_this_week) == (1, Decimal("800.00"))
    (mine,) = today.producers
    assert (mine.producer_id, mine.today.leads, mine.close_rate_90d) == (alice, 3, 1.0)
    assert dict(today.response_buckets)["≤ 5 min"] == 3
