"""Each group's response times come back whole (as one string per group), so the exact
medians of the reports equal the plain median of each group's times."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.response_times import median_of, response_lists
from tests.support.factories import insert_lead, make_agency, make_producer


def test_median_of_odd_and_even_groups_and_of_leads_without_an_owner_or_a_source(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    bob = make_producer(c, agency.id, 2, licensed_in=("NY",))
    now = clock.now()
    # owner, source, response seconds (None: never reached, left out of every median)
    leads = [
        (alice, "Referral", 30), (alice, "Referral", 10), (alice, "Referral", 20),
        (alice, "Google Ads", 7), (alice, "Google Ads", 400),
        (bob, "Referral", 5), (bob, "Referral", 5), (bob, "Referral", 9), (bob, "Referral", None),
        (None, None, 61), (None, None, 60),
    ]  # fmt: skip
    with c.uow() as uow:
        for n, (owner, source, seconds) in enumerate(leads):
            insert_lead(
                uow.conn,
                agency_id=agency.id,
                now=now - timedelta(hours=n + 1),
                owner_id=owner,
                source_name=source,
                response_seconds=seconds,
                first_contact_at=None if seconds is None else now,
            )
        insert_lead(uow.conn, agency_id=agency.id, now=now - timedelta(days=5), response_seconds=1)
        uow.commit()

    def expected(key: int) -> dict[tuple[object, ...], float]:
        groups: dict[tuple[object, ...], list[int]] = {}
        for lead in leads:
            if lead[2] is not None:
                groups.setdefault(tuple(lead[:key]), []).append(lead[2])
        return {k: statistics.median(v) for k, v in groups.items()}

    span = {"agency_id": agency.id, "since": now - timedelta(days=1), "until": None}

    def medians(**args: Any) -> dict[tuple[object, ...], float | None]:
        with c.engine.connect() as conn:
            found = response_lists(conn, **{**span, **args})
        return {k: median_of(v) for k, v in found.items()}

    assert medians(by=("producer", "source")) == expected(2)
    assert medians(by=("producer",)) == expected(1) == {(alice,): 20, (bob,): 5, (None,): 60.5}
    assert medians() == {(): statistics.median(s for _, _, s in leads if s is not None)}
    assert medians(by=("producer",), producer_id=bob) == {(bob,): 5}
    assert medians(by=("producer",), since=now) == {}
    with c.engine.connect() as conn:
        times = response_lists(conn, **span, by=("producer",))
    assert sorted(times[(bob,)]) == [5, 5, 9]
