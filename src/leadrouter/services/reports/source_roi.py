"""Source ROI: per lead source and month, what the leads cost and what they brought in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from leadrouter.services.reports.periods import (
    Month,
    agency_timezone,
    current_month,
    months_between,
)
from leadrouter.store.figures import Figures
from leadrouter.store.rollup_reads import rolled_figures
from leadrouter.store.tables import lead_sources
from leadrouter.store.uow import UnitOfWork

NO_SOURCE = "(no source)"


@dataclass(frozen=True)
class SourceMonth:
    """One source in one month. ROI is (commission - cost) / cost; None without a cost."""

    month: str
    source: str
    cost_per_lead: Decimal
    figures: Figures

    @property
    def cost(self) -> Decimal:
        return self.cost_per_lead * self.figures.leads

    @property
    def cost_per_quote(self) -> Decimal | None:
        return _per(self.cost, self.figures.quoted)

    @property
    def cost_per_bind(self) -> Decimal | None:
        return _per(self.cost, self.figures.bound)

    @property
    def avg_premium(self) -> Decimal | None:
        return _per(self.figures.premium, self.figures.bound)

    @property
    def roi(self) -> float | None:
        if not self.cost:
            return None
        return float((self.figures.commission - self.cost) / self.cost)


def _per(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(Decimal("0.01")) if count else None


def source_costs(conn: sa.Connection, agency_id: int) -> dict[str, Decimal]:
    """Each named source's cost per lead (today's price: sources keep no price history)."""
    query = sa.select(lead_sources.c.name, lead_sources.c.cost_per_lead).where(
        lead_sources.c.agency_id == agency_id
    )
    return {r.name: Decimal(r.cost_per_lead) for r in conn.execute(query)}


def source_months(
    found: Mapping[tuple[Any, ...], Figures],
    *,
    months: Sequence[Month],
    costs: Mapping[str, Decimal],
) -> list[SourceMonth]:
    """Figures keyed (month index, source) as rows: by month, most leads first (leads
    without a source under NO_SOURCE)."""
    rows = [
        SourceMonth(
            month=months[key[0]].label,
            source=key[1] if key[1] is not None else NO_SOURCE,
            cost_per_lead=costs.get(key[1], Decimal("0")) if key[1] is not None else Decimal(0),
            figures=f,
        )
        for key, f in found.items()
    ]
    rows.sort(key=lambda r: (r.month, -r.figures.leads, r.source))
    return rows


def source_roi(
    *,
    uow: UnitOfWork,
    agency_id: int,
    now: datetime,
    first: date | None = None,
    last: date | None = None,
) -> list[SourceMonth]:
    """Per source and month from ``first`` to ``last`` (months as their first day; by default
    the twelve months up to the current one), in the agency's time zone."""
    with uow:
        conn = uow.conn
        tz = agency_timezone(conn, agency_id)
        last = last or current_month(now, tz)
        first = first or date(last.year - (last.month < 12), last.month % 12 + 1, 1)
        months = months_between(first, last, tz)
        # The months' daily rollups, each day keyed by the month it belongs to.
        found = rolled_figures(
            conn,
            agency_id=agency_id,
            since=months[0].start,
            until=months[-1].end,
            now=now,
            by=("source",),
            buckets=[m.start for m in months],
        )
        return source_months(found, months=months, costs=source_costs(conn, agency_id))
