from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify import outbox
from leadrouter.notify.inapp import InAppChannel, enqueue_alert
from leadrouter.notify.messages import enqueue_sms
from leadrouter.notify.sms import RecordingSms, SmsChannel
from leadrouter.store.tables import alerts
from tests.support.factories import make_agency, make_producer
from tests.support.notify import channels_for, dispatch, rows

CONTEXT = {"lead_name": "Maria Lopez", "lead_id": 7}


def queue_texts(container: Container, agency_id: int, count: int) -> list[int]:
    with container.uow() as uow:
        ids = [
            enqueue_sms(
                uow.conn,
                agency_id=agency_id,
                event="escalation.call_reminder",
                to=f"+1212555{n:04d}",
                template="call_reminder",
                context=CONTEXT,
                now=container.clock.now(),
            )
            for n in range(count)
        ]
        uow.commit()
    return ids


def _text_hi(conn: sa.Connection, agency_id: int, now: datetime, **options: Any) -> int:
    """A text "hi" to +1 212 736 0100 in the caller's transaction; ``options``: enqueue's."""
    return outbox.enqueue(
        conn,
        agency_id=agency_id,
        channel="sms",
        event="x",
        recipient="+12127360100",
        payload={"body": "hi"},
        now=now,
        **options,
    )


def test_the_same_dedupe_key_queues_one_message(container: Container) -> None:
    agency = make_agency(container)
    now = container.clock.now()
    with container.uow() as uow:
        first, again = (
            _text_hi(uow.conn, agency.id, now, dedupe_key="lead:7:cad:sms_consumer:5m")
            for _ in range(2)
        )
        uow.commit()
    assert first == again and len(rows(container)) == 1


def test_a_message_is_written_only_if_the_event_that_causes_it_commits(
    container: Container,
) -> None:
    agency = make_agency(container)
    with container.uow() as uow:
        queue = _text_hi(uow.conn, agency.id, container.clock.now())
        assert queue > 0  # and then the service fails before commit
    assert rows(container) == []


def test_a_claimed_message_is_not_claimed_again_while_its_lease_runs(
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    queue_texts(container, agency.id, 3)
    now = clock.now()
    with container.uow() as uow:
        first = outbox.claim_due(uow.conn, now, 2)
        uow.commit()
    with container.uow() as uow:
        second = outbox.claim_due(uow.conn, now, 10)
        uow.commit()
    assert len(first) == 2 and len(second) == 1
    assert {m.id for m in first}.isdisjoint(m.id for m in second)


def test_a_worker_that_dies_mid_delivery_leaves_a_lease_that_lapses_and_is_delivered_again(
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    (message_id,) = queue_texts(container, agency.id, 1)
    sms = RecordingSms()
    start = clock.now()
    with container.uow() as uow:  # the worker claims, sends, and dies before recording it
        (claimed,) = outbox.claim_due(uow.conn, start, 10)
        uow.commit()
    SmsChannel(sms).deliver(claimed, start)

    channels = channels_for(container, sms=sms)
    assert dispatch(container, channels, now=start + timedelta(minutes=4)).claimed == 0
    assert dispatch(container, channels, now=start + timedelta(minutes=5)).sent == 1
    (row,) = rows(container)
    assert (row.id, row.status, row.attempts) == (message_id, "sent", 2)
    assert len(sms.sent) == 2  # at least once: the documented price of a crash at that instant


def test_an_in_app_alert_is_stored_once_even_when_its_delivery_is_repeated(
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    now = clock.now()
    producer_id = make_producer(
        container, agency.id, name="Pat Producer", email="pat@agency.example", phone="+12127360100"
    )
    with container.uow() as uow:
        enqueue_alert(
            uow.conn,
            agency_id=agency.id,
            kind="escalation.alert_producer",
            message="Maria Lopez has waited 5 minutes",
            producer_id=producer_id,
            now=now,
        )
        (claimed,) = outbox.claim_due(uow.conn, now, 10)
        uow.commit()
    InAppChannel(container.engine).deliver(claimed, now)  # then the worker dies
    assert dispatch(container, channels_for(container), now=now + timedelta(minutes=5)).sent == 1
    with container.engine.connect() as conn:
        stored = conn.execute(sa.select(alerts)).all()
    assert [(a.producer_id, a.kind, a.outbox_id) for a in stored] == [
        (producer_id, "escalation.alert_producer", claimed.id)
    ]


def test_concurrent_dispatchers_deliver_each_message_exactly_once(
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    ids = queue_texts(container, agency.id, 60)
    sms = RecordingSms()
    lock = threading.Lock()
    original = sms.send

    def send(to: str, body: str) -> str:
        with lock:
            return original(to, body)

    sms.send = send  # type: ignore[method-assign]
    channels = channels_for(container, sms=sms)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while dispatch(container, channels, limit=7).claimed:
                pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(to for to, _ in sms.sent) == sorted(f"+1212555{n:04d}" for n in range(60))
    assert {r.id: r.status for r in rows(container)} == {i: "sent" for i in ids}


def test_on_postgresql_a_claim_skips_rows_another_open_transaction_holds(
    pg_container: Container,
    clock: FixedClock,
) -> None:
    # SQLite has one writer at a time; there the claim is a plain select.
    container = pg_container
    agency = make_agency(container)
    queue_texts(container, agency.id, 5)
    now = clock.now()
    with container.uow() as holding:
        held = outbox.claim_due(holding.conn, now, 2)  # not committed yet: rows stay locked
        with container.uow() as other:
            others = outbox.claim_due(other.conn, now, 10)
            other.commit()
        holding.commit()
    assert len(held) == 2 and len(others) == 3
    assert {m.id for m in held}.isdisjoint(m.id for m in others)
