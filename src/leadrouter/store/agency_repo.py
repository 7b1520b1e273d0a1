"""Reads of the agency row that many services need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.compliance import local_date
from leadrouter.errors import NotFound
from leadrouter.store.tables import agencies, api_keys


def agency_timezone(conn: sa.Connection, agency_id: int) -> str:
    """The agency's home time zone (license dates and producers' default clock)."""
    tz = conn.execute(sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)).scalar()
    if tz is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return str(tz)


def agency_today(conn: sa.Connection, agency_id: int, now: datetime) -> date:
    """The calendar date at ``now`` in the agency's time zone (license dates are kept in it)."""
    return local_date(now, agency_timezone(conn, agency_id)) or now.date()


@dataclass(frozen=True)
class AgencyInfo:
    """The agency's name, home time zone and settings document."""

    name: str
    timezone: str
    settings: dict[str, Any]
    webhooks_version: int | None = None  # when read with the rest (see store.outbox)


def agency_info(conn: sa.Connection, agency_id: int) -> AgencyInfo:
    """The agency's name, time zone and settings."""
    row = conn.execute(_AGENCY, {"agency_id": agency_id}).first()
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return AgencyInfo(row.name, row.timezone, dict(row.settings or {}))


_AGENCY = sa.select(agencies.c.name, agencies.c.timezone, agencies.c.settings).where(
    agencies.c.id == sa.bindparam("agency_id")
)


@dataclass(frozen=True)
class KeyInForce:
    """An API key a request came with, to be confirmed unrevoked by a statement of the
    request's own transaction (``key_in_force``)."""

    key_id: int
    key_hash: str


def key_in_force(agency: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """A select-list item: whether the key bound as ``key_id``/``key_hash`` is one of
    ``agency``'s and not revoked (one primary-key lookup)."""
    return sa.exists(
        sa.select(api_keys.c.id).where(
            api_keys.c.id == sa.bindparam("key_id", type_=sa.Integer),
            api_keys.c.key_hash == sa.bindparam("key_hash", type_=sa.String),
            api_keys.c.agency_id == agency,
            api_keys.c.revoked_at.is_(None),
        )
    )


def key_params(key: KeyInForce) -> dict[str, Any]:
    """The bound values of ``key_in_force``."""
    return {"key_id": key.key_id, "key_hash": key.key_hash}
