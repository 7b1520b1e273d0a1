"""Claiming a producer's capacity: both caps hold, and a refusal counts nothing today."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.routing_repo import claim_capacity
from leadrouter.store.tables import producer_day_counts, producers
from tests.support.factories import make_agency, make_producer

TODAY = date(2026, 3, 2)


def _claim(c: Container, agency_id: int, producer_id: int) -> bool:
    with c.engine.begin() as conn:
        return claim_capacity(conn, producer_id=producer_id, today=TODAY, agency_id=agency_id)


def _counts(c: Container, producer_id: int) -> tuple[int, int | None]:
    with c.engine.connect() as conn:
        open_count = conn.execute(
            sa.select(producers.c.open_count).where(producers.c.id == producer_id)
        ).scalar_one()
        today = conn.execute(
            sa.select(producer_day_counts.c.count).where(
                producer_day_counts.c.producer_id == producer_id,
                producer_day_counts.c.day == TODAY,
            )
        ).scalar()
    return open_count, today


def test_a_claim_counts_an_open_lead_and_a_lead_today_until_the_daily_cap(
    container: Container,
) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, max_daily=2)
    assert [_claim(container, agency.id, producer) for _ in range(2)] == [True, True]
    assert _counts(container, producer) == (2, 2)
    assert _claim(container, agency.id, producer) is False
    # The refusal's transaction is abandoned by its caller; here it committed, so the open
    # count moved and the day's count did not.
    assert _counts(container, producer)[1] == 2


def test_a_claim_is_refused_at_the_open_cap_and_counts_nothing_today(
    container: Container,
) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, max_open=1)
    assert _claim(container, agency.id, producer) is True
    assert _claim(container, agency.id, producer) is False
    assert _counts(container, producer) == (1, 1)


def test_a_zero_daily_cap_refuses_every_claim(container: Container) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, max_daily=0)
    assert _claim(container, agency.id, producer) is False
    assert _counts(container, producer)[1] is None


def test_a_producer_without_caps_is_always_counted(container: Container) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id)
    assert all(_claim(container, agency.id, producer) for _ in range(3))
    assert _counts(container, producer) == (3, 3)
