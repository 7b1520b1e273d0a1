"""The agency's day and week, in its own time zone, as UTC instants for queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.store.tables import agencies
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class Days:
    """Today's start and end and this week's start (Monday) for one agency, at ``now``."""

    timezone: str
    today_start: datetime
    today_end: datetime
    week_start: datetime


def days_of(conn: sa.Connection, agency_id: int, now: datetime) -> Days:
    """The agency's local today and this week, as aware instants."""
    tz_name = conn.execute(
        sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)
    ).scalar_one()
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz).date()
    start = datetime.combine(local, time(), tz)
    monday = datetime.combine(local - timedelta(days=local.weekday()), time(), tz)
    end = datetime.combine(local + timedelta(days=1), time(), tz)
    return Days(timezone=tz_name, today_start=start, today_end=end, week_start=monday)


def agency_zone(*, uow: UnitOfWork, agency_id: int) -> str:
    """The agency's home time zone, in which the pages show times."""
    with uow:
        return str(
            uow.conn.execute(
                sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)
            ).scalar_one()
        )
