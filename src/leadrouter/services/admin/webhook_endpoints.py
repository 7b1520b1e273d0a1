"""The agency's webhook endpoints: where signed event notifications are POSTed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.notify.webhook import EVENTS
from leadrouter.store.tables import agencies, webhook_endpoints
from leadrouter.store.uow import UnitOfWork

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    events: list[str]
    active: bool
    description: str | None
    created_at: datetime
    secret: str


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row.id,
        url=row.url,
        events=list(row.events),
        active=row.active,
        description=row.description,
        created_at=row.created_at,
        secret=row.secret,
    )


def _check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        reason = f"unknown events {unknown}" if unknown else "subscribe to at least one event"
        raise ValidationFailed(reason, [FieldError("events", f"{reason}; known: {list(EVENTS)}")])
    return sorted(set(events), key=EVENTS.index)


def _mine(agency_id: int, endpoint_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.agency_id == agency_id
    )


def create_endpoint(
    *,
    uow: UnitOfWork,
    agency_id: int,
    url: str,
    events: list[str],
    now: datetime,
    secret: str | None = None,
    description: str | None = None,
) -> Endpoint:
    """Register an endpoint; a signing secret is generated unless one is given."""
    with uow:
        row = uow.conn.execute(
            webhook_endpoints.insert()
            .values(
                agency_id=agency_id,
                url=url,
                events=_check_events(events),
                active=True,
                secret=secret or SECRET_PREFIX + secrets.token_urlsafe(32),
                description=description,
                created_at=now,
            )
            .returning(*webhook_endpoints.c)
        ).one()
        _bump_version(uow, agency_id)
        uow.commit()
    return _endpoint(row)


def list_endpoints(*, uow: UnitOfWork, agency_id: int) -> list[Endpoint]:
    """The agency's endpoints, oldest first."""
    with uow:
        rows = uow.conn.execute(
            sa.select(webhook_endpoints)
            .where(webhook_endpoints.c.agency_id == agency_id)
            .order_by(webhook_endpoints.c.id)
        ).all()
    return [_endpoint(row) for row in rows]


def get_endpoint(*, uow: UnitOfWork, agency_id: int, endpoint_id: int) -> Endpoint:
    """One endpoint of the agency."""
    with uow:
        row = uow.conn.execute(
            sa.select(webhook_endpoints).where(_mine(agency_id, endpoint_id))
        ).first()
    if row is None:
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist")
    return _endpoint(row)


def update_endpoint(
    *,
    uow: UnitOfWork,
    agency_id: int,
    endpoint_id: int,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
    rotate_secret: bool = False,
) -> Endpoint:
    """Change an endpoint's URL, events, description or state, or give it a new secret."""
    values: dict[str, Any] = {}
    if url is not None:
        values["url"] = url
    if events is not None:
        values["events"] = _check_events(events)
    if active is not None:
        values["active"] = active
    if description is not None:
        values["description"] = description
    if rotate_secret:
        values["secret"] = SECRET_PREFIX + secrets.token_urlsafe(32)
    with uow:
        if values:
            uow.conn.execute(
                webhook_endpoints.update().where(_mine(agency_id, endpoint_id)).values(**values)
            )
        row = uow.conn.execute(
            sa.select(webhook_endpoints).where(_mine(agency_id, endpoint_id))
        ).first()
        if row is None:
            raise NotFound(f"webhook endpoint {endpoint_id} does not exist")
        _bump_version(uow, agency_id)
        uow.commit()
    return _endpoint(row)


def delete_endpoint(*, uow: UnitOfWork, agency_id: int, endpoint_id: int) -> None:
    """Remove an endpoint; deliveries still waiting for it become dead letters."""
    with uow:
        done = uow.conn.execute(webhook_endpoints.delete().where(_mine(agency_id, endpoint_id)))
        if done.rowcount == 0:
            raise NotFound(f"webhook endpoint {endpoint_id} does not exist")
        _bump_version(uow, agency_id)
        uow.commit()


def _bump_version(uow: UnitOfWork, agency_id: int) -> None:
    """Tell every process's endpoint cache that the agency's endpoints changed."""
    uow.conn.execute(
        agencies.update()
        .where(agencies.c.id == agency_id)
        .values(webhooks_version=agencies.c.webhooks_version + 1)
    )
