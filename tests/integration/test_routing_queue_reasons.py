"""A waiting lead's reason is the one true now, not the one it got when it was queued."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.roster.producers import update_producer
from leadrouter.services.routing.queue import look_at_queue
from leadrouter.store.tables import assignments
from leadrouter.worker import Worker
from tests.support.factories import make_agency, make_lead, make_producer


def test_a_waiting_lead_shows_the_reason_true_now_once_the_roster_changed(
    client: TestClient, container: Container
) -> None:
    c = container
    agency = make_agency(c)
    lead = make_lead(c, agency.id, 1)  # New York: nobody is licensed there yet
    (entry,) = client.get("/v1/queue", headers=agency.headers).json()["items"]
    assert entry["reason"].startswith("no producer holds an active NY license"), entry

    make_producer(c, agency.id, 1, licensed_in=("NY",), max_daily=0)  # licensed, but full
    Worker(c, channels={}).tick()

    (entry,) = client.get("/v1/queue", headers=agency.headers).json()["items"]
    assert (entry["lead_id"], entry["reason"]) == (
        lead,
        "the only licensed producer is at capacity",
    )
    with c.uow(readonly=True) as uow:  # the next look finds nothing to write
        look = look_at_queue(uow.conn, c.routing, agency_id=agency.id, now=c.clock.now())
    assert (look.ready, look.restated) == ([], {})


def test_a_look_at_the_queue_reads_its_order_once_and_refusals_per_page_keeping_each_leads_own(
    container: Container,
) -> None:
    c = container
    agency = make_agency(c)
    producer = make_producer(c, agency.id, 1, licensed_in=("NY",), max_daily=0)  # full
    waiting = [make_lead(c, agency.id, n) for n in range(1, 13)]
    now = c.clock.now()
    with c.uow() as uow:  # the producer declined the first lead once
        uow.conn.execute(
            assignments.insert().values(
                agency_id=agency.id,
                lead_id=waiting[0],
                producer_id=producer,
                kind="route",
                state="declined",
                started_at=now,
                ended_at=now,
                done_steps=[],
            )
        )
        uow.commit()
    update_producer(  # then room opens up
        uow=c.uow(), agency_id=agency.id, producer_id=producer, changes={"max_daily": None}
    )
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(c.engine, "before_cursor_execute", count)
    try:
        with c.uow(readonly=True) as uow:
            look = look_at_queue(uow.conn, c.routing, agency_id=agency.id, now=now, page=5)
    finally:
        sa.event.remove(c.engine, "before_cursor_execute", count)

    assert look.ready == waiting[1:]  # the declined lead is not offered to its decliner again
    # Twelve leads in pages of five: the queue's order read once (not a page at a time, each
    # past an offset: quadratic in the queue), refusals once per page (not per lead).
    order = [s for s in statements if "FROM queue_entries" in s]
    refusals = [s for s in statements if "FROM assignments" in s and "assignments.state IN" in s]
    assert (len(order), len(refusals)) == (1, 3), statements
