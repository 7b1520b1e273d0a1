"""The monthly report: volume, speed, distribution, conversion, cost and producers ranked.

Its cohort is the leads received in the month (agency time zone); what became of them is
counted as of ``now``. Reassignments and manager escalations are those that happened in the
month, whatever the lead's arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from leadrouter.services.reports.periods import Month, agency_timezone, begun, month_of
from leadrouter.services.reports.source_roi import SourceMonth, source_costs, source_months
from leadrouter.store.figures import Figures, rollup
from leadrouter.store.response_times import median_of, response_lists
from leadrouter.store.rollup_reads import rolled_figures, rolled_histogram
from leadrouter.store.tables import agencies, assignments, escalations, producers
from leadrouter.store.uow import UnitOfWork

UNASSIGNED = "(unassigned)"
NO_LINE = "(no line)"


@dataclass(frozen=True)
class Group:
    """A named group of the month's leads (a source, a line, a producer) and its figures."""

    key: str
    figures: Figures
    producer_id: int | None = None
    median_response_seconds: float | None = None


@dataclass(frozen=True)
class MonthlyReport:
    agency_name: str
    month: Month
    generated_at: datetime
    total: Figures
    median_response_seconds: float | None
    by_source: list[SourceMonth]
    by_line: list[Group]
    by_producer: list[Group]
    reassignments: int
    escalations: int
    response_buckets: list[tuple[str, int]]

    @property
    def cost(self) -> Decimal:
        return sum((s.cost for s in self.by_source), Decimal("0"))

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _per(self.cost, self.total.leads)

    @property
    def cost_per_bind(self) -> Decimal | None:
        return _per(self.cost, self.total.bound)

    @property
    def ranked(self) -> list[Group]:
        """Producers by close rate (highest first), then average first response (fastest
        first); those without any result or contact last."""

        def key(g: Group) -> tuple[float, float, str]:
            close = g.figures.close_rate
            speed = g.figures.avg_response_seconds
            return (-(close if close is not None else -1.0), speed or float("inf"), g.key)

        return sorted((g for g in self.by_producer if g.producer_id is not None), key=key)


def _per(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(Decimal("0.01")) if count else None


def monthly_report(*, uow: UnitOfWork, agency_id: int, now: datetime, month: date) -> MonthlyReport:
    """The report of the month starting on ``month`` (its first day), as of ``now``."""
    with uow:
        conn = uow.conn
        tz = agency_timezone(conn, agency_id)
        span = month_of(begun(month, now, tz), tz)
        window: dict[str, Any] = {"agency_id": agency_id, "since": span.start, "until": span.end}
        names = {
            r.id: r.name
            for r in conn.execute(
                sa.select(producers.c.id, producers.c.name).where(
                    producers.c.agency_id == agency_id
                )
            )
        }
        # The month's figures from the daily rollups at the grain the sections roll up; the
        # exact medians from the month's response times (an index holds them).
        fine = rolled_figures(conn, **window, now=now, by=("producer", "line", "source"))
        times = response_lists(conn, **window, by=("producer",))
        total = sum(fine.values(), Figures())
        buckets = rolled_histogram(
            conn, agency_id=agency_id, since=span.start, until=span.end, now=now
        )
        by_producer = [
            Group(
                names.get(k[0], f"producer {k[0]}") if k[0] is not None else UNASSIGNED,
                f,
                k[0],
                median_of(times.get(k, [])),
            )
            for k, f in rollup(fine, 0).items()
        ]
        by_line = [
            Group(k[0] if k[0] is not None else NO_LINE, f) for k, f in rollup(fine, 1).items()
        ]
        by_source = source_months(
            {(0, *k): f for k, f in rollup(fine, 2).items()},
            months=[span],
            costs=source_costs(conn, agency_id),
        )
        report = MonthlyReport(
            agency_name=str(
                conn.execute(sa.select(agencies.c.name).where(agencies.c.id == agency_id)).scalar()
            ),
            month=span,
            generated_at=now,
            total=total,
            median_response_seconds=median_of([s for t in times.values() for s in t]),
            by_source=by_source,
            by_line=sorted(by_line, key=lambda g: (-g.figures.leads, g.key)),
            by_producer=sorted(by_producer, key=lambda g: (-g.figures.leads, g.key)),
            reassignments=_count(
                conn,
                sa.select(sa.func.count()).where(
                    assignments.c.agency_id == agency_id,
                    assignments.c.kind == "reassign",
                    assignments.c.started_at >= span.start,
                    assignments.c.started_at < span.end,
                ),
            ),
            escalations=_count(
                conn,
                sa.select(sa.func.count()).where(
                    escalations.c.agency_id == agency_id,
                    escalations.c.at >= span.start,
                    escalations.c.at < span.end,
                ),
            ),
            response_buckets=buckets,
        )
    return report


def _count(conn: sa.Connection, query: sa.Select[Any]) -> int:
    return int(conn.execute(query).scalar_one())
