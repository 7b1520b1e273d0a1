"""The weighted score sees each producer's real close rate and response time."""

from __future__ import annotations

from datetime import timedelta

from leadrouter.bootstrap import Container
from leadrouter.services.admin.policy import dry_run
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store.stats_repo import PRIOR_WEIGHT, track_records
from tests.support.factories import insert_lead, producer_ids

LEAD = {
    "first_name": "Re",
    "last_name": "Cord",
    "email": "re@example.com",
    "phone": "(212) 736-0177",
    "zip": "10001",
    "insurance_type": "home",
}


def _history(container: Container, agency_id: int) -> tuple[int, int]:
    now = container.clock.now()
    with container.engine.begin() as conn:
        closer, other = producer_ids(conn, agency_id)
        for n in range(8):
            insert_lead(
                conn,
                agency_id=agency_id,
                now=now - timedelta(days=3),
                owner_id=closer,
                status="bound",
                status_changed_at=now - timedelta(days=1),
                first_contact_at=now - timedelta(days=3),
                response_seconds=60,
                email=f"c{n}@x.example",
            )
            insert_lead(
                conn,
                agency_id=agency_id,
                now=now - timedelta(days=3),
                owner_id=other,
                status="lost",
                status_changed_at=now - timedelta(days=1),
                first_contact_at=now - timedelta(days=3),
                response_seconds=3600,
                email=f"o{n}@x.example",
            )
    return closer, other


def test_close_rates_are_shrunk_toward_the_agency_rate(container: Container) -> None:
    agency = load_synthetic_agency(container, producers=2, policy=None)
    closer, other = _history(container, agency.agency_id)
    with container.engine.connect() as conn:
        records = track_records(
            conn, agency_id=agency.agency_id, since=container.clock.now() - timedelta(days=90)
        )
    # Agency rate 8/16 = 0.5; the closer: (8 + 10 * 0.5) / (8 + 10).
    assert records[closer].close_rate == (8 + PRIOR_WEIGHT * 0.5) / (8 + PRIOR_WEIGHT)
    assert records[other].close_rate == (0 + PRIOR_WEIGHT * 0.5) / (8 + PRIOR_WEIGHT)
    assert (records[closer].avg_response_seconds, records[other].avg_response_seconds) == (
        60.0,
        3600.0,
    )


def test_the_weighted_score_prefers_the_producer_who_closes_and_calls_back_faster(
    container: Container,
) -> None:
    agency = load_synthetic_agency(container, producers=2, policy=None)
    closer, other = _history(container, agency.agency_id)
    decision = dry_run(
        uow=container.uow(readonly=True),
        caches=container.routing,
        agency_id=agency.agency_id,
        lead_payload=LEAD,
        now=container.clock.now(),
    )
    assert decision.producer_id == closer
    parts = {c.producer_id: c.score_parts for c in decision.candidates}
    assert parts[closer] is not None and parts[other] is not None
    assert parts[closer]["close_rate"] > parts[other]["close_rate"]
    assert parts[closer]["response_speed"] > parts[other]["response_speed"]
