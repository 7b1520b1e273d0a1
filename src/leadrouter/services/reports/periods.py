"""Calendar months in the agency's time zone, as half-open spans of UTC instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.store.tables import agencies

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    """One calendar month of an agency: ``start`` inclusive, ``end`` exclusive, in UTC."""

    label: str  # "2026-10"
    start: datetime
    end: datetime


def parse_month(text: str, *, field: str = "month") -> date:
    """``YYYY-MM`` as the first day of that month (422 otherwise)."""
    m = _MONTH.match(text.strip())
    if m is None:
        raise ValidationFailed(
            f"{field} must look like 2026-10", errors=[FieldError(field, "not YYYY-MM")]
        )
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= year <= 9998 and 1 <= month <= 12):  # 9998: the month after must exist too
        raise ValidationFailed(
            f"{field} is not a month of the calendar",
            errors=[FieldError(field, "year 0001-9998, month 01-12")],
        )
    return date(year, month, 1)


def next_month(first: date) -> date:
    """The first day of the month after ``first``'s."""
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def month_of(first: date, timezone: str) -> Month:
    """The month starting on ``first`` in ``timezone``."""
    tz = ZoneInfo(timezone)

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)

    return Month(f"{first:%Y-%m}", midnight(first), midnight(next_month(first)))


def months_between(first: date, last: date, timezone: str) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive (at most 36)."""
    out: list[Month] = []
    d = first
    while d <= last and len(out) < 36:
        out.append(month_of(d, timezone))
        d = next_month(d)
    return out


def current_month(now: datetime, timezone: str) -> date:
    """The first day of the month ``now`` falls in, in ``timezone``."""
    local = now.astimezone(ZoneInfo(timezone))
    return date(local.year, local.month, 1)


def begun(first: date, now: datetime, timezone: str, *, field: str = "month") -> date:
    """``first`` if its month has begun by ``now`` in ``timezone``; a month still to come has
    no figures yet, and a report of it would read as a month of nothing (422)."""
    current = current_month(now, timezone)
    if first > current:
        raise ValidationFailed(
            f"{first:%Y-%m} has not begun: the latest month with figures is {current:%Y-%m}",
            errors=[FieldError(field, f"a month up to {current:%Y-%m}")],
        )
    return first


def agency_timezone(conn: sa.Connection, agency_id: int) -> str:
    """The agency's time zone (404 for an agency that does not exist)."""
    tz = conn.execute(sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)).scalar()
    if tz is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return str(tz)
