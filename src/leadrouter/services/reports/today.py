"""The live dashboard's figures: today's leads, each producer's day and record, the pipeline.

"Today" and "this week" (from Monday) are the agency's local calendar; the close rate beside
each producer is their trailing-90-day one, the same figure the weighted score reads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.services.reports.periods import agency_timezone
from leadrouter.services.reports.producer_stats import TRAILING_DAYS
from leadrouter.store.figures import Figures, lead_figures
from leadrouter.store.response_times import as_counts, histogram, merged, response_lists
from leadrouter.store.rollup_reads import rolled_figures
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class ProducerDay:
    """One producer's leads received today, and their trailing close rate."""

    producer_id: int
    today: Figures
    close_rate_90d: float | None


@dataclass(frozen=True)
class Today:
    day_start: datetime
    week_start: datetime
    total: Figures
    producers: list[ProducerDay]
    response_buckets: list[tuple[str, int]]
    quoted_pending: int
    binds_this_week: int
    premium_this_week: Decimal


def today_figures(*, uow: UnitOfWork, agency_id: int, now: datetime) -> Today:
    """Today's leads (% contacted, average first response), per producer with their close
    rate, the response-time chart, quotes pending and this week's binds with premium."""
    with uow:
        conn = uow.conn
        tz = ZoneInfo(agency_timezone(conn, agency_id))
        local = now.astimezone(tz)
        day = datetime(local.year, local.month, local.day, tzinfo=tz)
        day_start = day.astimezone(UTC)
        week_start = (day - timedelta(days=local.weekday())).astimezone(UTC)
        span: dict[str, Any] = {"agency_id": agency_id, "since": day_start, "until": None}
        by_producer = lead_figures(conn, **span, by=("producer",))
        times = as_counts(response_lists(conn, **span))
        trailing = rolled_figures(
            conn,
            agency_id=agency_id,
            since=now - timedelta(days=TRAILING_DAYS),
            until=None,
            now=now,
            by=("producer",),
        )
        pending = conn.execute(
            sa.select(sa.func.count()).where(
                leads.c.agency_id == agency_id, leads.c.status == "quoted"
            )
        ).scalar_one()
        binds, premium = conn.execute(
            sa.select(sa.func.count(), sa.func.sum(leads.c.premium)).where(
                leads.c.agency_id == agency_id,
                leads.c.status == "bound",
                leads.c.bound_at >= week_start,
                # The same leads (a bind sets both instants; the status moves no more): the
                # index on status changes bounds the scan to the week.
                leads.c.status_changed_at >= week_start,
            )
        ).one()
    total = sum(by_producer.values(), Figures())
    producers = [
        ProducerDay(
            int(k[0]),
            by_producer.get(k, Figures()),
            trailing[k].close_rate if k in trailing else None,
        )
        for k in sorted(set(by_producer) | set(trailing), key=lambda k: k[0] or 0)
        if k[0] is not None
    ]
    return Today(
        day_start=day_start,
        week_start=week_start,
        total=total,
        producers=producers,
        response_buckets=histogram(merged(times.values()) or Counter(), total.never_contacted),
        quoted_pending=int(pending),
        binds_this_week=int(binds),
        premium_this_week=Decimal(str(premium or 0)).quantize(Decimal("0.01")),
    )
