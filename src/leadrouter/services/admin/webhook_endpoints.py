"""The agency's webhook endpoints: where signed event notifications are POSTed.

Secrets are Standard Webhooks ``whsec_`` secrets (base64 of 24 to 64 random bytes), sealed at
rest; the plain secret is shown only in the answers to creation and rotation. After a
rotation the previous secret keeps signing beside the new one for ``ROTATION_OVERLAP``, so a
receiver can switch without losing deliveries. Endpoints may not target loopback, link-local
or private addresses unless the agency allows it (``notify.targets``).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.notify.targets import saved_target_problem
from leadrouter.notify.webhook import EVENTS, SECRET_PREFIX
from leadrouter.paging import Page, page
from leadrouter.sealing import Sealer
from leadrouter.services.admin.security import allows_private_targets
from leadrouter.store.tables import agencies, webhook_endpoints
from leadrouter.store.uow import UnitOfWork

ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    events: list[str]
    active: bool
    description: str | None
    created_at: datetime
    secret: str | None = None  # only right after creation or rotation


def _endpoint(row: Any, secret: str | None = None) -> Endpoint:
    return Endpoint(
        id=row.id,
        url=row.url,
        events=list(row.events),
        active=row.active,
        description=row.description,
        created_at=row.created_at,
        secret=secret,
    )


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_secret(secret: str) -> str:
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        reason = "must be whsec_ followed by 24 to 64 bytes in base64"
        raise ValidationFailed(f"the secret {reason}", [FieldError("secret", reason)])
    return secret


def _check_target(conn: sa.Connection, agency_id: int, url: str) -> str:
    problem = saved_target_problem(url)
    if problem and not allows_private_targets(conn, agency_id):
        detail = f"{problem} (the agency setting allow_private_webhook_targets lifts this)"
        raise ValidationFailed(f"the URL {problem}", [FieldError("url", detail)])
    return url


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
    sealer: Sealer,
    agency_id: int,
    url: str,
    events: list[str],
    now: datetime,
    secret: str | None = None,
    description: str | None = None,
) -> Endpoint:
    """Register an endpoint; a signing secret is generated unless one is given."""
    plain = new_secret() if secret is None else _check_secret(secret)
    with uow:
        row = uow.conn.execute(
            webhook_endpoints.insert()
            .values(
                agency_id=agency_id,
                url=_check_target(uow.conn, agency_id, url),
                events=_check_events(events),
                active=True,
                secret=sealer.seal(plain),
                description=description,
                created_at=now,
            )
            .returning(*webhook_endpoints.c)
        ).one()
        _bump_version(uow, agency_id)
        uow.commit()
    return _endpoint(row, plain)


def list_endpoints(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 50
) -> Page[Endpoint]:
    """The agency's endpoints, oldest first, a page at a time."""
    with uow:
        return page(
            uow.conn,
            sa.select(webhook_endpoints).where(webhook_endpoints.c.agency_id == agency_id),
            webhook_endpoints,
            kind="webhook_endpoint",
            cursor=cursor,
            limit=limit,
            build=lambda r: _endpoint(SimpleNamespace(**r)),
        )


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
    sealer: Sealer,
    agency_id: int,
    endpoint_id: int,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
    rotate_secret: bool = False,
    now: datetime,
) -> Endpoint:
    """Change an endpoint's URL, events, description or state, or give it a new secret (the
    old one keeps signing beside it for ``ROTATION_OVERLAP``)."""
    values: dict[str, Any] = {}
    if events is not None:
        values["events"] = _check_events(events)
    if active is not None:
        values["active"] = active
    if description is not None:
        values["description"] = description
    plain = new_secret() if rotate_secret else None
    with uow:
        if url is not None:
            values["url"] = _check_target(uow.conn, agency_id, url)
        if plain is not None:
            current = uow.conn.execute(
                sa.select(webhook_endpoints.c.secret).where(_mine(agency_id, endpoint_id))
            ).scalar()
            values["secret"] = sealer.seal(plain)
            values["previous_secret"] = current
            values["previous_secret_until"] = now + ROTATION_OVERLAP
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
    return _endpoint(row, plain)


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
