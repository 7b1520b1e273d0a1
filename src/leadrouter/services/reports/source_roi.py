"""Source ROI: per lead source and month, what the leads cost and what they brought in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from leadrouter.services.reports.periods import (
    Month,
    agency_timezone,
    current_month,
    months_between,
)
from leadrouter.store.figures import Figures, lead_figures
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


def month_sources(
    conn: sa.Connection, *, agency_id: int, month: Month, costs: Mapping[str, Decimal]
) -> list[SourceMonth]:
    """The month's sources, most leads first (leads without a source under NO_SOURCE)."""
    found = lead_figures(
        conn, agency_id=agency_id, since=month.start, until=month.end, by=("source",)
    )
    rows = [
        SourceMonth(
            month=month.label,
            source=key[0] if key[0] is not None else NO_SOURCE,
            cost_per_lead=costs.get(key[0], Decimal("0")) if key[0] is not None else Decimal(0),
            figures=f,
        )
        for key, f in found.items()
    ]
    rows.sort(key=lambda r: (-r.figures.leads, r.source))
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
        costs = source_costs(conn, agency_id)
        out: list[SourceMonth] = []
        for month in months_between(first, last, tz):
            out.extend(month_sources(conn, agency_id=agency_id, month=month, costs=costs))
    return out
