"""The simulators' agenda: what happens next on the virtual clock, in time order."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(order=True)
class Event:
    """Something that happens to a lead at ``at``; ``producer`` is whose it is, if anyone's."""

    at: datetime
    seq: int
    kind: str = field(compare=False)
    lead: int = field(compare=False)
    producer: int | None = field(compare=False, default=None)


class Agenda:
    """Events by time; events at the same time come in the order they were added."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._seq = 0

    def add(self, at: datetime, kind: str, lead: int, producer: int | None = None) -> None:
        """Put an event on the agenda."""
        self._seq += 1
        heapq.heappush(self._events, Event(at, self._seq, kind, lead, producer))

    def next_at(self) -> datetime | None:
        """When the next event happens, or None when the agenda is empty."""
        return self._events[0].at if self._events else None

    def pop_until(self, until: datetime) -> Event | None:
        """The next event if it happens at or before ``until`` (taken off the agenda)."""
        if self._events and self._events[0].at <= until:
            return heapq.heappop(self._events)
        return None
