"""PostgreSQL: the state read that takes the agency's routing lock (``routing_locked_state``,
for a lead just stored) answers as the plain read does, and reads after the lock is granted,
so it sees a decision that another transaction committed while it waited."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.store.decision_state import decision_state
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import producers
from tests.support.factories import make_lead

pytestmark = pytest.mark.postgres


def test_the_locked_read_answers_as_the_plain_one(pg_container: Container) -> None:
    c = pg_container
    agency = load_synthetic_agency(c, producers=6, states=("NY",), policy=None)
    for n in range(9):  # decisions, loads, day counts and rotation counters to read
        make_lead(c, agency.agency_id, n)
    around = c.clock.now().date()
    with c.engine.begin() as conn:
        plain = decision_state(conn, agency_id=agency.agency_id, around=around)
        locked = decision_state(conn, agency_id=agency.agency_id, around=around, lock=True)
        tomorrow = around + timedelta(days=1)
        assert decision_state(conn, agency_id=agency.agency_id, around=tomorrow, lock=True) == (
            decision_state(conn, agency_id=agency.agency_id, around=tomorrow)
        )

    assert locked == plain
    assert sum(plain.open_counts.values()) == 9
    assert plain.chain_head[0] == 9
    assert plain.day_counts and plain.rotation


def test_the_locked_read_sees_what_the_lock_holder_committed(pg_container: Container) -> None:
    c = pg_container
    agency = load_synthetic_agency(c, producers=2, states=("NY",), policy=None)
    around = c.clock.now().date()
    holder = c.engine.connect()
    holder.begin()
    lock_agency(holder, agency.agency_id)  # another router, mid-decision
    holder.execute(
        producers.update()
        .where(producers.c.agency_id == agency.agency_id)
        .values(open_count=producers.c.open_count + 5)
    )
    seen: list[dict[int, int]] = []

    def read_under_the_lock() -> None:
        with c.engine.begin() as conn:
            state = decision_state(conn, agency_id=agency.agency_id, around=around, lock=True)
            seen.append(state.open_counts)

    reader = threading.Thread(target=read_under_the_lock)
    reader.start()
    reader.join(timeout=1.0)
    assert reader.is_alive()  # waiting for the lock, not reading the state before it
    holder.commit()
    holder.close()
    reader.join(timeout=30)

    assert seen and set(seen[0].values()) == {5}
    with c.engine.connect() as conn:  # nothing else changed them
        assert set(conn.execute(sa.select(producers.c.open_count)).scalars()) == {5}
