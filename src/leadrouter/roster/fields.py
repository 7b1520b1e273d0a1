"""Parsers for roster values, shared by the JSON API and the CSV importer.

Each parser takes what a person typed and returns the normalized value, or raises
``ValueError`` whose message is the reason, in words, fit to show next to the field.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadrouter.domain.model import (
    BusinessLine,
    LicenseStatus,
    LineOfAuthority,
    Period,
    Role,
    Shift,
)

US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP",
})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LIST_SPLIT = re.compile(r"[;|,]")

_AUTHORITY_ALIASES: dict[str, tuple[LineOfAuthority, ...]] = {
    "property": (LineOfAuthority.PROPERTY,),
    "casualty": (LineOfAuthority.CASUALTY,),
    "personal lines": (LineOfAuthority.PERSONAL_LINES,),
    "personal": (LineOfAuthority.PERSONAL_LINES,),
    "life": (LineOfAuthority.LIFE,),
    "accident health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "accident and health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "accident and sickness": (LineOfAuthority.ACCIDENT_HEALTH,),
    "a h": (LineOfAuthority.ACCIDENT_HEALTH,),
    "health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "variable": (LineOfAuthority.VARIABLE,),
    "variable life and variable annuity": (LineOfAuthority.VARIABLE,),
    "variable life variable annuity": (LineOfAuthority.VARIABLE,),
    "surety": (LineOfAuthority.SURETY,),
    "title": (LineOfAuthority.TITLE,),
    "p c": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
    "property and casualty": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
    "property casualty": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
}


def split_list(raw: str) -> list[str]:
    """Items of a list cell separated by ``;``, ``|`` or ``,``; blanks dropped."""
    return [item.strip() for item in _LIST_SPLIT.split(raw) if item.strip()]


def parse_timezone(raw: str) -> str:
    """An IANA time zone name, e.g. ``America/Chicago``."""
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        reason = f"unknown time zone {raw!r}; use an IANA name like America/Chicago"
        raise ValueError(reason) from None
    return name


def parse_state(raw: str) -> str:
    """A two-letter USPS state code (DC, PR and the territories included)."""
    code = raw.strip().upper()
    if code not in US_STATES:
        raise ValueError(f"{raw!r} is not a two-letter US state code")
    return code


def parse_states(raw: str) -> frozenset[str]:
    return frozenset(parse_state(item) for item in split_list(raw))


def parse_business_line(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return BusinessLine(value).value
    except ValueError:
        allowed = ", ".join(b.value for b in BusinessLine)
        raise ValueError(f"unknown line of business {raw!r}; use {allowed}") from None


def parse_business_lines(raw: str) -> frozenset[str]:
    return frozenset(parse_business_line(item) for item in split_list(raw))


def parse_authority(raw: str) -> frozenset[str]:
    """Lines of authority from their common spellings ("Accident & Health", "P&C", ...)."""
    key = re.sub(r"[^a-z]+", " ", raw.lower().replace("&", " and ")).strip()
    found = _AUTHORITY_ALIASES.get(key) or _AUTHORITY_ALIASES.get(key.replace(" and ", " "))
    if found is None:
        allowed = ", ".join(line.value for line in LineOfAuthority)
        raise ValueError(f"unknown line of authority {raw!r}; use {allowed}")
    return frozenset(line.value for line in found)


def parse_authorities(raw: str) -> frozenset[str]:
    lines: set[str] = set()
    for item in split_list(raw):
        lines |= parse_authority(item)
    if not lines:
        raise ValueError("at least one line of authority is needed")
    return frozenset(lines)


def parse_role(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return Role(value).value
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {raw!r}; use {allowed}") from None


def parse_license_status(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return LicenseStatus(value).value
    except ValueError:
        allowed = ", ".join(s.value for s in LicenseStatus)
        raise ValueError(f"unknown license status {raw!r}; use {allowed}") from None


_TRUE = {"true", "yes", "y", "1", "active", "resident", "r", "x"}
_FALSE = {"false", "no", "n", "0", "inactive", "non-resident", "nonresident", "non resident",
          "nr"}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not yes/no")


def parse_count(raw: str) -> int:
    """A whole number zero or above (a cap, a weight)."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
    if value < 0:
        raise ValueError("must be zero or more")
    return value


def parse_money(raw: str) -> Decimal:
    """An amount like ``18.50`` or ``$18.50``: zero or more, cents at most."""
    text = raw.strip().removeprefix("$").replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError("must be an amount of zero or more")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("at most two decimal places")
    if value >= Decimal("100000000"):
        raise ValueError("too large")
    return value.quantize(Decimal("0.01"))


def parse_date(raw: str) -> date:
    """An ISO date, ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def parse_clock(raw: str) -> time:
    """A wall-clock time ``HH:MM`` (24 h); ``24:00`` means the end of the day."""
    text = raw.strip()
    if not re.fullmatch(r"\d{1,2}:\d{2}", text):
        raise ValueError(f"{raw!r} is not a time (HH:MM)")
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) == (24, 0):
        return time.max.replace(microsecond=0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{raw!r} is not a time of day")
    return time(hours, minutes)


def format_clock(value: time) -> str:
    return "24:00" if value == time.max.replace(microsecond=0) else value.strftime("%H:%M")


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


def format_working_hours(shifts: tuple[Shift, ...]) -> str:
    return "; ".join(
        f"{WEEKDAYS[s.weekday].title()} {format_clock(s.start)}-{format_clock(s.end)}"
        for s in shifts
    )


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


def parse_zip_range(raw: str) -> tuple[str, str]:
    """``10001-10099`` (or a single ZIP) as a (low, high) pair of five-digit ZIPs."""
    low, _, high = (part.strip() for part in raw.partition("-"))
    high = high or low
    if not (re.fullmatch(r"\d{5}", low) and re.fullmatch(r"\d{5}", high)):
        raise ValueError(f"{raw!r} is not a ZIP range like 10001-10099")
    if high < low:
        raise ValueError(f"ZIP range {raw!r} runs backwards")
    return low, high


def parse_zip_prefix(raw: str) -> str:
    text = raw.strip()
    if not re.fullmatch(r"\d{1,5}", text):
        raise ValueError(f"{raw!r} is not a ZIP prefix (1 to 5 digits)")
    return text
