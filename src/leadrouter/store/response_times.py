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


def response_times(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    by: Sequence[Dimension] = (),
    producer_id: int | None = None,
) -> dict[tuple[Any, ...], Times]:
    """The contacted leads' first response times of each group, as counts."""
    dims = [DIMENSIONS[d] for d in by]
    seconds = leads.c.response_seconds
    query = (
        sa.select(*dims, seconds, sa.func.count())
        .where(cohort(agency_id, since, until, producer_id), seconds.is_not(None))
        .group_by(*dims, seconds)
    )
    out: dict[tuple[Any, ...], Times] = {}
    n = len(by)
    for r in conn.execute(query):
        out.setdefault(tuple(r[:n]), Counter())[int(r[n])] += int(r[n + 1])
    return out


def medians(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    by: Sequence[Dimension] = (),
    producer_id: int | None = None,
) -> dict[tuple[Any, ...], float]:
    """The exact median first response of each group (the mean of the two middle values for
    an even count), found by the database: window functions number each group's times in
    order (read from ``ix_leads_agency_created_response`` alone) and only the middle one or
    two of each group come back, not every time."""
    seconds = leads.c.response_seconds
    dims = [DIMENSIONS[d] for d in by]
    ranked = (
        sa.select(
            *(d.label(f"k{i}") for i, d in enumerate(dims)),
            seconds.label("seconds"),
            sa.func.row_number().over(partition_by=dims or None, order_by=seconds).label("n"),
            sa.func.count().over(partition_by=dims or None).label("size"),
        )
        .where(cohort(agency_id, since, until, producer_id), seconds.is_not(None))
        .subquery()
    )
    keys = [ranked.c[f"k{i}"] for i in range(len(by))]
    middle = ranked.c.n.between((ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2)
    query = sa.select(*keys, sa.func.min(ranked.c.seconds), sa.func.max(ranked.c.seconds))
    query = query.where(middle)
    if keys:
        query = query.group_by(*keys)
    n = len(by)
    return {
        tuple(r[:n]): (int(r[n]) + int(r[n + 1])) / 2
        for r in conn.execute(query)
        if r[n] is not None
    }


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
