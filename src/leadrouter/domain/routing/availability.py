"""Availability (working hours, out of office) and caps, with reasons a producer reads."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from typing import NamedTuple

from leadrouter.domain.compliance import zone
from leadrouter.domain.model import Period, Producer
from leadrouter.domain.routing.model import ProducerLoad
from leadrouter.domain.routing.policy import CapsStep

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# weekday -> (start, end) spans in local time; an end of None is midnight at the day's end.
Shifts = dict[int, tuple[tuple[time, time | None], ...]]


class Standing(NamedTuple):
    """What availability and caps read of one producer, gathered once per roster snapshot.

    ``hours_key`` is shared by producers with the same time zone and hours (-1: no hours on
    file, always at work); the caps are the producer's own (None: the policy's default).
    """

    producer: Producer
    id: int
    hours_key: int
    away: tuple[Period, ...]
    max_open: int | None
    max_daily: int | None


def shifts_by_weekday(producer: Producer) -> Shifts:
    """The producer's working spans per weekday; an overnight shift spills into the next day."""
    days: dict[int, list[tuple[time, time | None]]] = defaultdict(list)
    for shift in producer.working_hours:
        if shift.start < shift.end:
            days[shift.weekday].append((shift.start, shift.end))
        else:  # 22:00-06:00 (or a whole day when start == end)
            days[shift.weekday].append((shift.start, None))
            if shift.end != time(0, 0):
                days[(shift.weekday + 1) % 7].append((time(0, 0), shift.end))
    return {day: tuple(sorted(spans, key=lambda s: s[0])) for day, spans in days.items()}


def minutes_on_shift(producer: Producer, clock: LocalClock) -> int | None:
    """Whole minutes since the producer's current shift started (0 when it has not: off
    shift); None when the producer has no working hours on file (always at work)."""
    if not producer.working_hours:
        return None
    local = clock.local(producer.timezone)
    if local is None:
        return 0
    weekday, at = local
    for start, end in shifts_by_weekday(producer).get(weekday, ()):
        if start <= at and (end is None or at < end):
            return (at.hour * 60 + at.minute) - (start.hour * 60 + start.minute)
    return 0


class LocalClock:
    """``now`` in each producer's time zone, computed once per zone per decision."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._local: dict[str, tuple[int, time] | None] = {}

    def local(self, tz: str) -> tuple[int, time] | None:
        """Weekday and wall-clock time at ``now`` in ``tz``; None for an unknown zone."""
        try:
            return self._local[tz]
        except KeyError:
            z = zone(tz)
            at = None if z is None else self.now.astimezone(z)
            found = None if at is None else (at.weekday(), at.time())
            self._local[tz] = found
            return found


def out_of_office_reason(producer: Producer, clock: LocalClock) -> str | None:
    """Why the producer is away right now (an out-of-office period), or None."""
    for period in producer.out_of_office:
        if period.contains(clock.now):
            return f"out of office until {_until(period.end, producer.timezone)}"
    return None


def hours_reason(producer: Producer, shifts: Shifts, clock: LocalClock) -> str | None:
    """Why it is outside the producer's working hours now, or None (same for equal hours)."""
    local = clock.local(producer.timezone)
    if local is None:
        return f"unknown time zone {producer.timezone!r}"
    weekday, at = local
    spans = shifts.get(weekday, ())
    for start, end in spans:
        if start <= at and (end is None or at < end):
            return None
    if not spans:
        return f"outside working hours: no shift on {WEEKDAYS[weekday]} ({producer.timezone})"
    hours = ", ".join(f"{s:%H:%M}-{'24:00' if e is None else format(e, '%H:%M')}" for s, e in spans)
    return f"outside working hours {hours} {producer.timezone}"


def _until(end: datetime, tz: str) -> str:
    z = zone(tz)
    local = end if z is None else end.astimezone(z)
    if local.time() == time(0, 0):
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M} {tz}"


def cap_reason(producer: Producer, load: ProducerLoad, spec: CapsStep) -> str | None:
    """Why the producer is full, or None when there is room for one more lead."""
    max_open, max_daily = cap_limits(producer, spec)
    if max_open is not None and load.open_count >= max_open:
        return f"at cap {load.open_count}/{max_open} open leads"
    if max_daily is not None and load.new_today >= max_daily:
        return f"at cap {load.new_today}/{max_daily} new leads today"
    return None


def cap_limits(producer: Producer, spec: CapsStep) -> tuple[int | None, int | None]:
    """The producer's caps on open leads and on new leads today (its own, else the policy's)."""
    return (
        producer.max_open if producer.max_open is not None else spec.default_max_open,
        producer.max_daily if producer.max_daily is not None else spec.default_max_daily,
    )
