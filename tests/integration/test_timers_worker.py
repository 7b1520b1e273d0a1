"""The timer step inside the worker's tick, and a bad row that cannot hold up the others."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.notify.messages import enqueue_email, enqueue_sms
from leadrouter.notify.sms import RecordingSms
from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.services.timers.messages import subscribed
from leadrouter.services.timers.outbox import Messages
from leadrouter.services.timers.step import RETRY_AFTER, TimerRun, run_due
from leadrouter.store.tables import alerts
from leadrouter.worker import Worker
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.notify import channels_for, rows
from tests.support.time_engine import (
    rows_of,
    step,
    subscribe,
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
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    sms = RecordingSms()
    worker = Worker(c, channels_for(c, sms=sms), rng=random.Random(1))
    worker.tick()
    sms.sent.clear()

    clock.advance(timedelta(minutes=5))
    stats = worker.tick()

    assert stats.timer_actions == 3  # alert the producer, text and email the consumer
    assert {k for k, *_ in timer_messages(c, lead)} == {
        "esc:alert_producer:5m",
        "cad:sms_consumer:5m",
        "cad:email_consumer:5m",
    }
    # Delivered in the same tick: the in-app alert and the consumer's text; the two emails
    # (to the producer and to the consumer) find no mail server and wait for a retry.
    assert (stats.sent, stats.retried) == (2, 2)
    assert [to for to, _ in sms.sent] == ["+16465550001"]
    assert sms.sent[0][1].startswith("Hi Casey, this is Producer 1")
    with c.engine.connect() as conn:
        kept = conn.execute(
            sa.select(alerts.c.lead_id, alerts.c.message).where(alerts.c.kind == "lead.escalated")
        ).all()
    assert [r.lead_id for r in kept] == [lead]
    assert "has been not contacted within 5 minutes" in kept[0].message


def test_a_row_that_fails_waits_a_minute_while_the_other_rows_go_on(
    container: Container, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    broken, fine = make_agency(c, "Broken"), make_agency(c, "Fine")
    timing_policy(c, broken.id, BROKEN_TEMPLATE)
    make_producer(c, broken.id, 1, licensed_in=("NY",))
    make_producer(c, fine.id, 2, licensed_in=("NY",))
    bad, good = make_lead(c, broken.id, 1), make_lead(c, fine.id, 2)
    clock.advance(timedelta(minutes=5))

    run = step(c)

    assert run.failed == 1
    assert rows_of(c, bad)[0].next_due_at == t0 + timedelta(minutes=5) + RETRY_AFTER
    assert "esc:alert_producer:5m" in rows_of(c, good)[0].done_steps
    assert timer_messages(c, bad) == []  # nothing of the failed step was kept


def test_the_timer_steps_outbox_rows_are_those_the_notify_helpers_write(
    container: Container,
) -> None:
    c = container
    agency = make_agency(c)
    subscribe(c, agency.id, "lead.escalated")
    subscribe(c, agency.id, "lead.created")
    subscribe(c, agency.id, "lead.escalated", "lead.assigned")
    now = c.clock.now()
    data = {"lead_id": 7, "step": "esc:alert_producer:5m", "reason": "not contacted"}
    context = {
        "agency_name": "Acme",
        "producer_name": "Pat",
        "lead_name": "Casey Lead",
        "lead_first_name": "Casey",
        "lead_id": 7,
        "insurance_type": "personal auto",
        "accept_by": None,
        "reason": "not contacted within 5 minutes",
    }
    out = Messages(now)
    out.send(
        agency.id,
        "email",
        event="e",
        to="a@b.example",
        template="intro_email",
        context=context,
        dedupe_key="t1",
        from_name="Pat",
        reply_to="pat@acme.example",
        consumer_lead_id=7,
    )
    out.send(
        agency.id,
        "sms",
        event="s",
        to="+12127360100",
        template="intro_sms",
        context=context,
        dedupe_key="t2",
        consumer_lead_id=7,
    )
    out.alert(agency.id, kind="k", message="hello", producer_id=3, lead_id=7, dedupe_key="t3")
    with c.uow() as uow:
        endpoints = subscribed(uow.conn, {agency.id})[agency.id]
        takers = [e.id for e in endpoints if "lead.escalated" in e.events]
        out.webhook(
            agency.id, event="lead.escalated", endpoint_ids=takers, data=data, dedupe_key="t4"
        )
        assert out.flush(uow.conn) == 5
        enqueue_email(
            uow.conn,
            agency_id=agency.id,
            event="e",
            to="a@b.example",
            template="intro_email",
            context=context,
            now=now,
            dedupe_key="n1",
            from_name="Pat",
            reply_to="pat@acme.example",
            consumer_lead_id=7,
        )
        enqueue_sms(
            uow.conn,
            agency_id=agency.id,
            event="s",
            to="+12127360100",
            template="intro_sms",
            context=context,
            now=now,
            dedupe_key="n2",
            consumer_lead_id=7,
        )
        enqueue_alert(
            uow.conn,
            agency_id=agency.id,
            kind="k",
            message="hello",
            now=now,
            producer_id=3,
            lead_id=7,
            dedupe_key="n3",
        )
        enqueue_webhook_event(
            uow.conn,
            agency_id=agency.id,
            event="lead.escalated",
            data=data,
            now=now,
            dedupe_key="n4",
        )
        uow.commit()

    def shape(r: Any) -> tuple[Any, ...]:
        return (
            r.channel,
            r.event,
            r.recipient,
            r.payload,
            r.status,
            r.attempts,
            r.next_attempt_at,
            r.created_at,
            r.dedupe_key[1:],  # "t1:..." and "n1:...": the same key apart from its first letter
        )

    ours, theirs = rows(c)[:5], rows(c)[5:]
    assert len(theirs) == 5
    assert [shape(r) for r in ours] == [shape(r) for r in theirs]


def test_two_workers_at_once_share_the_due_rows_and_do_each_step_once(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    leads = [make_lead(c, agency.id, n) for n in range(1, 41)]
    step(c)
    clock.advance(timedelta(minutes=5))
    start = threading.Barrier(2)

    def work() -> TimerRun:
        start.wait()
        return run_due(new_uow=c.uow, caches=c.routing, now=clock.now(), batch_size=5)

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: work(), range(2)))

    assert sum(r.actions for r in runs) == 3 * len(leads)  # nobody did a step twice
    assert all(r.failed == 0 for r in runs)
    for lead in leads:
        assert len(timer_messages(c, lead)) == 3
