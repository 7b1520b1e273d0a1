"""Live routing tells the optimizer how long ago each producer last reached a lead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadrouter.bootstrap import Container
from leadrouter.services.admin.policy import put_policy
from leadrouter.services.routing.context import agency_state
from tests.support.factories import insert_lead, make_agency, make_producer

OPTIMIZER = """
name: optimizer
routing:
  steps: [{type: availability}, {type: caps}]
  strategy: {type: optimizer, exploration: 0.1}
"""


def _state(c: Container, agency_id: int):  # type: ignore[no-untyped-def]
    with c.uow(readonly=True) as uow:
        return agency_state(uow.conn, c.routing, agency_id=agency_id, now=c.clock.now())


def test_minutes_since_contact_comes_from_the_producers_latest_first_contact(
    container: Container,
) -> None:
    agency = make_agency(container)
    busy = make_producer(container, agency.id, 1, licensed_in=["NY"])
    earlier = make_producer(container, agency.id, 2, licensed_in=["NY"])
    idle = make_producer(container, agency.id, 3, licensed_in=["NY"])
    now = container.clock.now()
    put_policy(
        uow=container.uow(), agency_id=agency.id, text=OPTIMIZER, fmt="yaml", actor=None, now=now
    )
    with container.engine.begin() as conn:
        for n, (owner, ago) in enumerate(((busy, 30), (busy, 4), (earlier, 25), (idle, 24 * 60))):
            insert_lead(
                conn,
                agency_id=agency.id,
                now=now - timedelta(minutes=ago + 5),
                owner_id=owner,
                status="assigned",
                first_contact_at=now - timedelta(minutes=ago),
                email=f"c{n}@x.example",
            )
    loads = _state(container, agency.id).loads
    assert loads[busy].minutes_since_contact == pytest.approx(4.0)
    assert loads[earlier].minutes_since_contact == pytest.approx(25.0)
    assert loads[idle].minutes_since_contact is None  # a day ago: long over


def test_a_policy_without_the_optimizer_does_not_read_the_last_contact(
    container: Container,
) -> None:
    agency = make_agency(container)
    producer = make_producer(container, agency.id, 1, licensed_in=["NY"])
    now = container.clock.now()
    with container.engine.begin() as conn:
        insert_lead(
            conn,
            agency_id=agency.id,
            now=now - timedelta(minutes=6),
            owner_id=producer,
            status="assigned",
            first_contact_at=now - timedelta(minutes=1),
        )
    assert _state(container, agency.id).loads[producer].minutes_since_contact is None
