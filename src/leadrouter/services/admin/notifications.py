"""The outbox and the in-app alerts as the API sees them: dead letters, retry, alerts read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict, NotFound
from leadrouter.notify import outbox as box
from leadrouter.paging import Page, page, where_given
from leadrouter.store.tables import alerts, outbox
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    channel: str
    event: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    provider_ref: str | None
    payload: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Alert:
    id: int
    producer_id: int | None
    role: str | None
    lead_id: int | None
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None


def _entry(row: Mapping[Any, Any]) -> OutboxEntry:
    waiting = row["status"] in (box.PENDING, box.SENDING)
    return OutboxEntry(
        id=row["id"],
        channel=row["channel"],
        event=row["event"],
        recipient=row["recipient"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if waiting else None,
        last_error=row["last_error"],
        provider_ref=row["provider_ref"],
        payload=dict(row["payload"]),
        created_at=row["created_at"],
        sent_at=row["sent_at"],
    )


def list_outbox(
    *,
    uow: UnitOfWork,
    agency_id: int,
    status: str | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OutboxEntry]:
    """The agency's outbox, newest first; ``status="dead"`` lists the dead letters."""
    query = sa.select(outbox).where(outbox.c.agency_id == agency_id)
    query = where_given(query, (outbox.c.status, status), (outbox.c.channel, channel))
    with uow:
        return page(
            uow.conn,
            query,
            outbox,
            kind="outbox",
            cursor=cursor,
            limit=limit,
            build=_entry,
            descending=True,
        )


def get_outbox_entry(*, uow: UnitOfWork, agency_id: int, message_id: int) -> OutboxEntry:
    """One outbox message of the agency."""
    with uow:
        row = (
            uow.conn.execute(
                sa.select(outbox).where(outbox.c.id == message_id, outbox.c.agency_id == agency_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"outbox message {message_id} does not exist")
    return _entry(row)


def retry_message(
    *, uow: UnitOfWork, agency_id: int, message_id: int, now: datetime
) -> OutboxEntry:
    """Give a dead letter a fresh set of attempts, starting now."""
    with uow:
        status = uow.conn.execute(
            sa.select(outbox.c.status).where(
                outbox.c.id == message_id, outbox.c.agency_id == agency_id
            )
        ).scalar()
        if status is None:
            raise NotFound(f"outbox message {message_id} does not exist")
        if not box.revive(uow.conn, agency_id=agency_id, message_id=message_id, now=now):
            raise Conflict(f"outbox message {message_id} is {status}; only dead ones are retried")
        row = uow.conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).mappings().one()
        uow.commit()
    return _entry(row)


def _alert(row: Mapping[Any, Any]) -> Alert:
    return Alert(
        id=row["id"],
        producer_id=row["producer_id"],
        role=row["role"],
        lead_id=row["lead_id"],
        kind=row["kind"],
        message=row["message"],
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


def list_alerts(
    *,
    uow: UnitOfWork,
    agency_id: int,
    producer_id: int | None = None,
    role: str | None = None,
    unread: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Alert]:
    """The agency's dashboard alerts, newest first, for a producer or a role if given."""
    query = sa.select(alerts).where(alerts.c.agency_id == agency_id)
    query = where_given(query, (alerts.c.producer_id, producer_id), (alerts.c.role, role))
    if unread:
        query = query.where(alerts.c.read_at.is_(None))
    with uow:
        return page(
            uow.conn,
            query,
            alerts,
            kind="alert",
            cursor=cursor,
            limit=limit,
            build=_alert,
            descending=True,
        )


def mark_alert_read(*, uow: UnitOfWork, agency_id: int, alert_id: int, now: datetime) -> Alert:
    """Mark an alert read (the first reading's time is kept)."""
    mine = sa.and_(alerts.c.id == alert_id, alerts.c.agency_id == agency_id)
    with uow:
        uow.conn.execute(
            alerts.update().where(mine, alerts.c.read_at.is_(None)).values(read_at=now)
        )
        row = uow.conn.execute(sa.select(alerts).where(mine)).mappings().first()
        if row is None:
            raise NotFound(f"alert {alert_id} does not exist")
        uow.commit()
    return _alert(row)
