"""Working hours and out-of-office periods, as people type them.

Like ``fields``, each parser returns the normalized value or raises ``ValueError`` whose
message is the reason.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadrouter.domain.model import Period, Shift

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time.max.replace(microsecond=0)


def parse_clock(raw: str) -> time:
    """A wall-clock time ``HH:MM`` (24 h); ``24:00`` means the end of the day."""
    text = raw.strip()
    if not re.fullmatch(r"\d{1,2}:\d{2}", text):
        raise ValueError(f"{raw!r} is not a time (HH:MM)")
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) == (24, 0):
        return END_OF_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"{raw!r} is not a time of day")
    return time(hours, minutes)


def format_clock(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _weekdays(raw: str) -> list[int]:
    days: list[int] = []
    for part in raw.split(","):
        bounds = [p.strip().lower()[:3] for p in part.split("-")]
        if not all(b in WEEKDAYS for b in bounds) or len(bounds) > 2:
            raise ValueError(f"{part.strip()!r} is not a weekday or a range like Mon-Fri")
        first, last = WEEKDAYS.index(bounds[0]), WEEKDAYS.index(bounds[-1])
        if last < first:
            raise ValueError(f"{part.strip()!r} runs backwards; write e.g. Mon-Fri")
        days.extend(range(first, last + 1))
    return days


def parse_working_hours(raw: str) -> tuple[Shift, ...]:
    """Weekly hours like ``Mon-Fri 09:00-17:00; Sat 10:00-14:00``."""
    shifts: list[Shift] = []
    for group in (g.strip() for g in raw.split(";")):
        if not group:
            continue
        match = re.fullmatch(r"(.+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})", group)
        if match is None:
            raise ValueError(f"{group!r} should look like 'Mon-Fri 09:00-17:00'")
        start, end = parse_clock(match[2]), parse_clock(match[3])
        shifts.extend(Shift(day, start, end) for day in _weekdays(match[1]))
    return check_shifts(shifts)


def check_shifts(shifts: list[Shift]) -> tuple[Shift, ...]:
    """Shifts sorted by day and time; refuses empty, backwards or overlapping ones."""
    ordered = sorted(shifts, key=lambda s: (s.weekday, s.start))
    for shift in ordered:
        if not 0 <= shift.weekday <= 6:
            raise ValueError(f"weekday {shift.weekday} is not 0 (Monday) to 6 (Sunday)")
        if shift.end <= shift.start:
            raise ValueError(
                f"{WEEKDAYS[shift.weekday].title()} {format_clock(shift.start)}-"
                f"{format_clock(shift.end)} ends before it starts"
            )
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.start < before.end:
            raise ValueError(f"two shifts overlap on {WEEKDAYS[before.weekday].title()}")
    return tuple(ordered)


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _instant(text: str, tz: ZoneInfo) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def parse_out_of_office(raw: str, timezone: str) -> tuple[Period, ...]:
    """Periods like ``2026-12-24..2026-12-31; 2027-01-15`` (whole days in the producer's zone).

    A date range includes its last day; times (``2026-12-24T12:00..2026-12-24T17:00``) are
    also accepted. Stored as instants, end exclusive.
    """
    tz = ZoneInfo(timezone)
    periods: list[Period] = []
    for item in (i.strip() for i in raw.split(";")):
        if not item:
            continue
        first, _, last = (part.strip() for part in item.partition(".."))
        last = last or first
        try:
            if "T" in first or "T" in last:
                start, end = _instant(first, tz), _instant(last, tz)
            else:
                start = _day_start(date.fromisoformat(first), tz)
                end = _day_start(date.fromisoformat(last) + timedelta(days=1), tz)
        except ValueError:
            raise ValueError(f"{item!r} should look like 2026-12-24..2026-12-31") from None
        periods.append(Period(start, end))
    return check_periods(periods)


def check_periods(periods: list[Period]) -> tuple[Period, ...]:
    """Periods sorted by start; each must end after it starts."""
    for period in periods:
        if period.start.tzinfo is None or period.end.tzinfo is None:
            raise ValueError("out-of-office instants need a UTC offset")
        if period.end <= period.start:
            raise ValueError(f"period starting {period.start.isoformat()} ends before it starts")
    return tuple(sorted(periods, key=lambda p: p.start))
