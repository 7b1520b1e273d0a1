"""The outbox table: written inside the caller's transaction, claimed and settled by the dispatcher.

Row life: pending → sending (claimed, with a lease) → sent | pending again (retry, with backoff)
| dead (too many attempts, or a permanent failure). A "sending" row whose lease ran out (its
worker died mid-delivery) is claimed again. Every function here runs in a transaction that the
caller opens and commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.notify.channel import OutboundMessage
from leadrouter.store.db import insert_ignoring_conflict
from leadrouter.store.outbox import Message
from leadrouter.store.tables import outbox

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
STATUSES = (PENDING, SENDING, SENT, DEAD)
CHANNELS = ("email", "sms", "webhook", "inapp")


def enqueue(
    conn: sa.Connection,
    *,
    agency_id: int,
    channel: str,
    event: str,
    recipient: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> int:
    """Add a message to the outbox in the caller's transaction; a repeated dedupe key is a no-op."""
    message = Message(channel, event, recipient, payload, dedupe_key)
    return put(conn, message, agency_id=agency_id, now=now)


def put(conn: sa.Connection, message: Message, *, agency_id: int, now: datetime) -> int:
    """Write ``message`` now, in the caller's transaction; its id (the existing row's id when
    its dedupe key is already there)."""
    if message.channel not in CHANNELS:
        raise ValueError(f"unknown channel {message.channel!r}")
    values = message.row(agency_id=agency_id, now=now)
    if message.dedupe_key is None:
        inserted = conn.execute(outbox.insert().values(**values).returning(outbox.c.id))
        return int(inserted.scalar_one())
    new_id = insert_ignoring_conflict(conn, outbox, values, ["agency_id", "dedupe_key"])
    if new_id is not None:
        return new_id
    return int(
        conn.execute(
            sa.select(outbox.c.id).where(
                outbox.c.agency_id == agency_id, outbox.c.dedupe_key == message.dedupe_key
            )
        ).scalar_one()
    )


def claim_due(
    conn: sa.Connection, now: datetime, limit: int, *, lease: timedelta = timedelta(minutes=5)
) -> list[OutboundMessage]:
    """Take up to ``limit`` due rows (pending, or sending with a lapsed lease) for delivery.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent dispatchers take disjoint rows.
    SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE), so a plain select.
    """
    query = (
        sa.select(outbox.c.id)
        .where(outbox.c.status.in_((PENDING, SENDING)), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    until = now + lease
    rows = conn.execute(
        outbox.update()
        .where(outbox.c.id.in_(ids))
        .values(
            status=SENDING,
            claimed_until=until,
            next_attempt_at=until,
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    ).all()
    return sorted((message_of(row) for row in rows), key=lambda m: ids.index(m.id))


def message_of(row: sa.Row[Any]) -> OutboundMessage:
    """The message an outbox row holds, as a channel delivers it."""
    return OutboundMessage(
        id=row.id,
        agency_id=row.agency_id,
        channel=row.channel,
        event=row.event,
        recipient=row.recipient,
        payload=dict(row.payload),
        attempts=row.attempts,
        created_at=row.created_at,
    )


def _ours(message_id: int, lease_end: datetime) -> sa.ColumnElement[bool]:
    # Settle only our own claim: if our lease lapsed and another worker re-claimed, leave it.
    return sa.and_(
        outbox.c.id == message_id,
        outbox.c.status == SENDING,
        outbox.c.claimed_until == lease_end,
    )


def mark_sent(
    conn: sa.Connection,
    message_id: int,
    *,
    lease_end: datetime,
    now: datetime,
    provider_ref: str | None,
) -> bool:
    """Record a delivery; False when the claim was no longer ours."""
    done = conn.execute(
        outbox.update()
        .where(_ours(message_id, lease_end))
        .values(
            status=SENT,
            sent_at=now,
            claimed_until=None,
            last_error=None,
            provider_ref=provider_ref,
        )
    )
    return done.rowcount == 1


def mark_failed(
    conn: sa.Connection,
    message_id: int,
    *,
    lease_end: datetime,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Schedule a retry at ``retry_at``, or dead-letter the row when it is None."""
    values: dict[str, Any] = {"claimed_until": None, "last_error": error[:2000]}
    if retry_at is None:
        values["status"] = DEAD
    else:
        values.update(status=PENDING, next_attempt_at=retry_at)
    done = conn.execute(outbox.update().where(_ours(message_id, lease_end)).values(**values))
    return done.rowcount == 1


def revive(conn: sa.Connection, *, agency_id: int, message_id: int, now: datetime) -> bool:
    """Put a dead message back in line for a full set of attempts; False unless it was dead."""
    done = conn.execute(
        outbox.update()
        .where(outbox.c.id == message_id, outbox.c.agency_id == agency_id, outbox.c.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
    )
    return done.rowcount == 1
