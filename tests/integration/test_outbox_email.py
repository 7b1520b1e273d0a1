from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.notify.messages import enqueue_email
from leadrouter.store.tables import leads
from tests.support.factories import insert_lead, make_agency
from tests.support.notify import MESSAGE_CONTEXT, channels_for, dispatch, rows
from tests.support.receivers import smtp_server
from tests.support.serving import free_port


def queue_new_lead_email(conn: sa.Connection, agency_id: int, to: str, now: datetime) -> int:
    """The email telling producer ``to`` of Maria's new auto lead."""
    return enqueue_email(
        conn,
        agency_id=agency_id,
        event="lead.assigned",
        to=to,
        template="new_lead",
        context=MESSAGE_CONTEXT,
        now=now,
    )


def queue_intro_email(conn: sa.Connection, agency_id: int, now: datetime, **options: Any) -> int:
    """The cadence's introduction email to Maria; ``options``: enqueue_email's."""
    return enqueue_email(
        conn,
        agency_id=agency_id,
        event="cadence.intro_email",
        to="maria@example.com",
        template="intro_email",
        context=MESSAGE_CONTEXT,
        now=now,
        **options,
    )


def test_emails_reach_a_real_smtp_server_with_the_producers_and_agencys_names(
    container: Container,
) -> None:
    agency = make_agency(container)
    now = container.clock.now()
    with container.uow() as uow:
        queue_new_lead_email(uow.conn, agency.id, "pat@agency.example", now)
        queue_intro_email(
            uow.conn, agency.id, now, from_name="Pat Producer", reply_to="pat@agency.example"
        )
        uow.commit()

    with smtp_server() as (mailbox, port):
        stats = dispatch(container, channels_for(container, smtp_port=port))

    assert (stats.claimed, stats.sent, stats.retried, stats.dead) == (2, 2, 0, 0)
    assert [e.rcpt_tos for e in mailbox.envelopes] == [
        ["pat@agency.example"],
        ["maria@example.com"],
    ]
    to_producer, to_consumer = mailbox.messages()
    assert to_producer["Subject"] == "New auto lead: Maria Lopez"
    assert "Hi Pat Producer," in to_producer.get_content()
    assert "Acme Insurance has given you a new auto lead" in to_producer.get_content()
    assert to_consumer["From"] == "Pat Producer <leads@acme.example>"
    assert to_consumer["Reply-To"] == "pat@agency.example"
    assert to_consumer["Subject"] == "Your auto quote with Acme Insurance"
    assert "I'm Pat Producer" in to_consumer.get_content()
    sent = rows(container)
    assert [r.status for r in sent] == ["sent", "sent"]
    assert to_consumer["X-Leadrouter-Delivery"] == str(sent[1].id)
    assert sent[1].provider_ref == to_consumer["Message-ID"]
    assert sent[1].sent_at == now and sent[1].attempts == 1


def test_an_unreachable_smtp_server_is_retried_with_backoff_until_it_answers(
    container: Container,
    clock: FixedClock,
) -> None:
    agency = make_agency(container)
    start = clock.now()
    with container.uow() as uow:
        queue_new_lead_email(uow.conn, agency.id, "pat@agency.example", start)
        uow.commit()
    port = free_port()  # nobody listens here yet
    channels = channels_for(container, smtp_port=port)

    assert dispatch(container, channels).retried == 1
    (row,) = rows(container)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == start + timedelta(seconds=30)
    assert "127.0.0.1" in row.last_error

    assert dispatch(container, channels, now=start + timedelta(seconds=29)).claimed == 0
    assert dispatch(container, channels, now=start + timedelta(seconds=30)).retried == 1
    (row,) = rows(container)
    assert row.next_attempt_at == start + timedelta(seconds=30 + 60)

    with smtp_server(port) as (mailbox, _):
        stats = dispatch(container, channels, now=start + timedelta(seconds=90))
    assert stats.sent == 1 and len(mailbox.envelopes) == 1
    (row,) = rows(container)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_a_recipient_the_server_refuses_goes_straight_to_the_dead_letters(
    container: Container,
) -> None:
    agency = make_agency(container)
    with container.uow() as uow:
        queue_new_lead_email(uow.conn, agency.id, "gone@agency.example", container.clock.now())
        uow.commit()
    with smtp_server() as (mailbox, port):
        mailbox.refuse.add("gone@agency.example")
        stats = dispatch(container, channels_for(container, smtp_port=port))
    assert stats.dead == 1 and mailbox.envelopes == []
    (row,) = rows(container)
    assert row.status == "dead" and "550" in row.last_error


def test_an_email_to_a_consumer_who_opted_out_meanwhile_is_not_sent(container: Container) -> None:
    agency = make_agency(container)
    now = container.clock.now()
    with container.uow() as uow:
        lead_id = insert_lead(uow.conn, agency_id=agency.id, now=now, email="maria@example.com")
        queue_intro_email(uow.conn, agency.id, now, consumer_lead_id=lead_id)
        uow.conn.execute(sa.update(leads).where(leads.c.id == lead_id).values(do_not_contact=True))
        uow.commit()
    with smtp_server() as (mailbox, port):
        stats = dispatch(container, channels_for(container, smtp_port=port))
    assert stats.dead == 1 and mailbox.envelopes == []
    assert "not to be contacted" in rows(container)[0].last_error
