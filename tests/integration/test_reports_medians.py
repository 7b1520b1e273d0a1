"""The exact medians the database finds equal the plain median of each group's times."""

from __future__ import annotations

import statistics
from datetime import timedelta

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.response_times import medians
from tests.support.factories import insert_lead, make_agency, make_producer


def test_medians_of_odd_and_even_groups_and_of_leads_without_an_owner_or_a_source(
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
    with c.engine.connect() as conn:
        by_source = medians(conn, **span, by=("producer", "source"))
        by_producer = medians(conn, **span, by=("producer",))
        overall = medians(conn, **span)
        bobs = medians(conn, **span, by=("producer",), producer_id=bob)
        nothing = medians(conn, **{**span, "since": now}, by=("producer",))
    assert by_source == expected(2)
    assert by_producer == expected(1) == {(alice,): 20, (bob,): 5, (None,): 60.5}
    assert overall == {(): statistics.median(s for _, _, s in leads if s is not None)}
    assert bobs == {(bob,): 5}
    assert nothing == {}
