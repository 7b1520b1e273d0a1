"""First response times as counts per second value: medians and the speed chart's buckets
are computed from them, and groups merge by adding counts (medians do not add up)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.figures import DIMENSIONS, Dimension, cohort
from leadrouter.store.tables import leads

Times = Counter[int]  # seconds -> how many leads were first reached after that long

# The speed chart's bars: upper bounds in seconds, and a bar for the leads never reached.
BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("≤ 5 min", 300),
    ("5-15 min", 900),
    ("15-30 min", 1800),
    ("30-60 min", 3600),
    ("1-4 h", 14400),
    ("> 4 h", None),
)
NEVER = "never"


def response_lists(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    by: Sequence[Dimension] = (),
    producer_id: int | None = None,
) -> dict[tuple[Any, ...], list[int]]:
    """The contacted leads' first response times of each group, read from
    ``ix_leads_agency_created_response`` alone (no table rows). Each group's times come back
    as one comma-separated string: a few dozen rows instead of one per lead (ten thousand
    over 90 days of a large agency), which is most of the cost of an exact median."""
    dims = [DIMENSIONS[d] for d in by]
    seconds = leads.c.response_seconds
    query = sa.select(*dims, sa.func.aggregate_strings(sa.cast(seconds, sa.String), ",")).where(
        cohort(agency_id, since, until, producer_id), seconds.is_not(None)
    )
    if dims:
        query = query.group_by(*dims)
    n = len(by)
    return {
        tuple(r[:n]): [int(v) for v in r[n].split(",")]
        for r in conn.execute(query)
        if r[n] is not None
    }


def as_counts(groups: dict[tuple[Any, ...], list[int]]) -> dict[tuple[Any, ...], Times]:
    """Each group's times (``response_lists``) as counts."""
    return {key: Counter(values) for key, values in groups.items()}


def median_of(values: list[int]) -> float | None:
    """The exact median (the mean of the two middle values for an even count), or None."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def by_first(groups: dict[tuple[Any, ...], list[int]]) -> dict[tuple[Any, ...], list[int]]:
    """Groups merged on the first part of their key (per producer, from finer groups)."""
    out: dict[tuple[Any, ...], list[int]] = {}
    for key, values in groups.items():
        out.setdefault(key[:1], []).extend(values)
    return out


def merged(groups: Iterable[Times]) -> Times:
    """The counts of several groups together."""
    total: Times = Counter()
    for g in groups:
        total.update(g)
    return total


def median(times: Times) -> float | None:
    """The median (the mean of the two middle values for an even count), or None."""
    n = sum(times.values())
    if not n:
        return None
    low, high = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    seen, found = 0, []
    for value in sorted(times):
        count = times[value]
        for pos in (low, high):
            if seen <= pos < seen + count:
                found.append(value)
        if len(found) == 2:
            break
        seen += count
    return (found[0] + found[1]) / 2


def histogram(times: Times, never: int) -> list[tuple[str, int]]:
    """The speed chart: leads per response bucket, and those never reached."""
    counts = dict.fromkeys((label for label, _ in BUCKETS), 0)
    for value, count in times.items():
        label = next(lb for lb, upper in BUCKETS if upper is None or value <= upper)
        counts[label] += count
    return [*counts.items(), (NEVER, never)]
