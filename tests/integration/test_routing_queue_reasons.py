"""A waiting lead's reason is the one true now, not the one it got when it was queued."""

from __future__ import annotations

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.services.routing.route import look_at_queue
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
