"""The timer step inside the worker's tick, and a bad row that cannot hold up the others."""

from __future__ import annotations

import random
from datetime import timedelta

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.timers import RETRY_AFTER
from leadrouter.worker import Worker
from tests.support.agency import make_agency
from tests.support.notify import channels_for
from tests.support.time_engine import (
    new_lead,
    producer,
    rows_of,
    step,
    timer_messages,
    timing_policy,
)

BROKEN_TEMPLATE = (
    "timing:\n  cadence:\n    - {at: 5m, action: email_consumer, template: no_such_template}\n"
)


def test_a_worker_tick_carries_out_the_due_timer_steps_and_sends_what_they_queue(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    producer(c, agency.id, 1)
    lead = new_lead(c, agency.id, 1)
    worker = Worker(c, channels_for(c), rng=random.Random(1))
    worker.tick()

    clock.advance(timedelta(minutes=5))
    stats = worker.tick()

    assert stats.timer_actions == 3  # alert the producer, text and email the consumer
    assert {k for k, *_ in timer_messages(c, lead)} == {
        "esc:alert_producer:5m",
        "cad:sms_consumer:5m",
        "cad:email_consumer:5m",
    }
    assert stats.sent >= 1  # the in-app alert was delivered in the same tick


def test_a_row_that_fails_waits_a_minute_while_the_other_rows_go_on(
    container: Container, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    broken, fine = make_agency(c, "Broken"), make_agency(c, "Fine")
    timing_policy(c, broken.id, BROKEN_TEMPLATE)
    producer(c, broken.id, 1)
    producer(c, fine.id, 2)
    bad, good = new_lead(c, broken.id, 1), new_lead(c, fine.id, 2)
    clock.advance(timedelta(minutes=5))

    run = step(c)

    assert run.failed == 1
    assert rows_of(c, bad)[0].next_due_at == t0 + timedelta(minutes=5) + RETRY_AFTER
    assert "esc:alert_producer:5m" in rows_of(c, good)[0].done_steps
    assert timer_messages(c, bad) == []  # nothing of the failed step was kept
