"""The worker refits each agency's intent rubric and propensity model on its interval."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store.tables import intent_rubrics, propensity_models
from leadrouter.worker import Worker
from tests.support.factories import make_agency, make_demo_agency
from tests.support.learning import seed_outcomes


def _versions(c: Container, agency_id: int) -> tuple[int, int]:
    with c.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.agency_id == agency_id)
                ).scalar_one()
            )
            for table in (intent_rubrics, propensity_models)
        )


@pytest.mark.slow  # fits rubrics and models, interval after interval; make test-fast skips it
def test_the_worker_relearns_every_interval_and_leaves_thin_agencies_alone(
    container: Container, clock: FixedClock
) -> None:
    agency_id = make_demo_agency(container)
    seed_outcomes(container, agency_id, count=160)
    thin = make_agency(container, "Thin Insurance").id  # no outcomes: nothing to learn
    worker = Worker(container, channels={})  # the default interval: a day

    worker.tick()
    assert _versions(container, agency_id) == (1, 1)
    assert _versions(container, thin) == (0, 0)

    clock.advance(timedelta(hours=23))
    worker.tick()
    assert _versions(container, agency_id) == (1, 1)  # not due yet

    clock.advance(timedelta(hours=1))
    worker.tick()
    assert _versions(container, agency_id) == (2, 2)
    assert _versions(container, thin) == (0, 0)


def test_a_restarted_worker_counts_the_interval_from_the_stored_versions(
    container: Container, clock: FixedClock
) -> None:
    agency_id = make_demo_agency(container)
    seed_outcomes(container, agency_id, count=160)
    Worker(container, channels={}).tick()
    clock.advance(timedelta(hours=2))
    Worker(container, channels={}).tick()  # a new process: nothing in memory
    assert _versions(container, agency_id) == (1, 1)


def test_an_interval_of_zero_turns_scheduled_learning_off(
    container: Container, clock: FixedClock
) -> None:
    agency_id = make_demo_agency(container)
    seed_outcomes(container, agency_id, count=160)
    off = bootstrap(
        Settings(
            database_url=str(container.engine.url.render_as_string(hide_password=False)),
            learning_interval_hours=0,
        ),
        clock=clock,
    )
    try:
        Worker(off, channels={}).tick()
    finally:
        off.engine.dispose()
    assert _versions(container, agency_id) == (0, 0)
