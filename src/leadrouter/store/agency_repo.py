"""Reads of the agency row that many services need."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from leadrouter.domain.compliance import local_date
from leadrouter.errors import NotFound
from leadrouter.store.tables import agencies


def agency_timezone(conn: sa.Connection, agency_id: int) -> str:
    """The agency's home time zone (license dates and producers' default clock)."""
    tz = conn.execute(sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)).scalar()
    if tz is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return str(tz)


def agency_today(conn: sa.Connection, agency_id: int, now: datetime) -> date:
    """The calendar date at ``now`` in the agency's time zone (license dates are kept in it)."""
    return local_date(now, agency_timezone(conn, agency_id)) or now.date()
