"""Producer statistics: per producer x line x intent tier x source, over the trailing days.

The same figures (``store.figures``) feed the weighted score's close rate and response time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.store.figures import Dimension, Figures, rollup
from leadrouter.store.response_times import by_first, median_of, response_lists
from leadrouter.store.rollup_reads import rolled_figures
from leadrouter.store.tables import producers
from leadrouter.store.uow import UnitOfWork

TRAILING_DAYS = 90
_GRAIN: tuple[Dimension, ...] = ("producer", "line", "tier", "source")


@dataclass(frozen=True)
class StatsRow:
    """One group's figures; ``line``, ``tier`` and ``source`` are None on a producer's total
    (and also where the leads had none)."""

    producer_id: int | None
    producer_name: str | None
    line: str | None
    tier: str | None
    source: str | None
    figures: Figures
    median_response_seconds: float | None


@dataclass(frozen=True)
class ProducerStats:
    """The statistics of leads received in ``[since, until)``: by group, and per producer."""

    since: datetime
    until: datetime
    rows: list[StatsRow]
    producers: list[StatsRow]


def producer_stats(
    *,
    uow: UnitOfWork,
    agency_id: int,
    now: datetime,
    days: int = TRAILING_DAYS,
    producer_id: int | None = None,
) -> ProducerStats:
    """Contact rate, average and median first response, % within 5 minutes, quote rate,
    close rate and premium of each producer's leads received in the trailing ``days``
    (only ``producer_id``'s when given)."""
    since = now - timedelta(days=days)
    names, fine, times = _trailing(uow, agency_id, since, now, producer_id, _GRAIN)
    per_producer_times = by_first(times)
    rows = [
        StatsRow(k[0], names.get(k[0]), k[1], k[2], k[3], f, median_of(times.get(k, [])))
        for k, f in fine.items()
    ]
    per_producer = [
        StatsRow(
            k[0], names.get(k[0]), None, None, None, f, median_of(per_producer_times.get(k, []))
        )
        for k, f in rollup(fine, 0).items()
    ]
    rows.sort(key=lambda r: (r.producer_name or "", r.line or "", r.tier or "", r.source or ""))
    per_producer.sort(key=lambda r: r.producer_name or "")
    return ProducerStats(since=since, until=now, rows=rows, producers=per_producer)


def producer_totals(
    *,
    uow: UnitOfWork,
    agency_id: int,
    now: datetime,
    days: int = TRAILING_DAYS,
    producer_id: int | None = None,
) -> list[StatsRow]:
    """``producer_stats(...).producers`` alone (the dashboard's table, the portal): each
    producer's figures and median, without the finer groups."""
    since = now - timedelta(days=days)
    names, totals, times = _trailing(uow, agency_id, since, now, producer_id, ("producer",))
    rows = [
        StatsRow(k[0], names.get(k[0]), None, None, None, f, median_of(times.get(k, [])))
        for k, f in totals.items()
    ]
    return sorted(rows, key=lambda r: r.producer_name or "")


def _trailing(
    uow: UnitOfWork,
    agency_id: int,
    since: datetime,
    now: datetime,
    producer_id: int | None,
    by: tuple[Dimension, ...],
) -> tuple[dict[Any, str], dict[tuple[Any, ...], Figures], dict[tuple[Any, ...], list[int]]]:
    """In one read: the producers' names, and the figures and response times ``by`` the
    given dimensions of leads received since ``since`` (``producer_id``'s only when given)."""
    span: dict[str, Any] = {
        "agency_id": agency_id,
        "since": since,
        "until": None,
        "producer_id": producer_id,
    }
    with uow:
        conn = uow.conn
        names = _names(conn, agency_id)
        return (
            names,
            rolled_figures(conn, **span, now=now, by=by),
            response_lists(conn, **span, by=by),
        )


def _names(conn: sa.Connection, agency_id: int) -> dict[Any, str]:
    query = sa.select(producers.c.id, producers.c.name).where(producers.c.agency_id == agency_id)
    return {r.id: r.name for r in conn.execute(query)}
