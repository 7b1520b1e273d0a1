"""Today's numbers, the per-producer table and the pipeline of the live dashboard; a
producer's own numbers in the portal.

The figures are the reports' (``store.figures.lead_figures`` and ``reports.producer_stats``):
a lead counts for its current owner, the close rate is bound out of bound or lost, and a
number on the dashboard is the number the monthly report and the weighted score use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.services.dashboard.days import days_of
from leadrouter.services.reports.producer_stats import producer_totals
from leadrouter.store.figures import FIVE_MINUTES, Figures, lead_figures
from leadrouter.store.tables import assignments, leads, producers
from leadrouter.store.uow import UnitOfWork

TARGET_SECONDS = FIVE_MINUTES


@dataclass(frozen=True)
class Today:
    """The top line: leads today, how many were contacted, how fast."""

    figures: Figures
    target_seconds: int = TARGET_SECONDS

    @property
    def leads(self) -> int:
        return self.figures.leads

    @property
    def contacted(self) -> int:
        return self.figures.contacted

    @property
    def contacted_rate(self) -> float | None:
        return self.figures.contact_rate

    @property
    def avg_response_seconds(self) -> float | None:
        return self.figures.avg_response_seconds

    @property
    def above_target(self) -> bool:
        avg = self.avg_response_seconds
        return avg is not None and avg > TARGET_SECONDS


@dataclass(frozen=True)
class ProducerRow:
    """One producer's line: today, open leads, and the trailing 90 days (reports' figures)."""

    producer_id: int
    name: str
    open_leads: int
    today: Today
    trailing: Figures
    median_response_seconds: float | None


@dataclass(frozen=True)
class Pipeline:
    new_today: int
    quoted_pending: int
    follow_ups_today: int
    binds_this_week: int
    premium_this_week: Decimal


def today(*, uow: UnitOfWork, agency_id: int, now: datetime) -> Today:
    """Leads that arrived today (agency time), contacted, average first response."""
    with uow:
        start = days_of(uow.conn, agency_id, now).today_start
        figures = lead_figures(uow.conn, agency_id=agency_id, since=start, until=None)
    return Today(figures[()])


def producer_rows(
    *, uow: UnitOfWork, agency_id: int, now: datetime, producer_id: int | None = None
) -> list[ProducerRow]:
    """Every active producer (or one): today's leads, contacted and speed; open leads; the
    trailing 90 days' producer statistics."""
    with uow:
        conn = uow.conn
        start = days_of(conn, agency_id, now).today_start
        who = sa.select(producers.c.id, producers.c.name, producers.c.open_count).where(
            producers.c.agency_id == agency_id, producers.c.active.is_(True)
        )
        if producer_id is not None:
            who = who.where(producers.c.id == producer_id)
        people = conn.execute(who.order_by(producers.c.name)).all()
        todays = lead_figures(conn, agency_id=agency_id, since=start, until=None, by=("producer",))
    totals = producer_totals(uow=uow, agency_id=agency_id, now=now, producer_id=producer_id)
    trailing = {row.producer_id: row for row in totals}
    out = []
    for p in people:
        t = trailing.get(p.id)
        out.append(
            ProducerRow(
                producer_id=p.id,
                name=p.name,
                open_leads=int(p.open_count),
                today=Today(todays.get((p.id,), Figures())),
                trailing=t.figures if t else Figures(),
                median_response_seconds=t.median_response_seconds if t else None,
            )
        )
    return out


def pipeline(*, uow: UnitOfWork, agency_id: int, now: datetime) -> Pipeline:
    """New today, quoted and pending, follow-ups due today, binds this week and premium.

    A follow-up due today is an open, not yet contacted lead whose next timer step (a
    reminder to call again, an escalation) falls due before midnight, agency time.
    """
    with uow:
        conn = uow.conn
        days = days_of(conn, agency_id, now)
        mine = leads.c.agency_id == agency_id
        new_today = conn.execute(
            sa.select(sa.func.count()).where(mine, leads.c.created_at >= days.today_start)
        ).scalar_one()
        quoted = conn.execute(
            sa.select(sa.func.count()).where(mine, leads.c.status == LeadStatus.QUOTED)
        ).scalar_one()
        follow_ups = conn.execute(
            sa.select(sa.func.count()).where(
                assignments.c.agency_id == agency_id,
                assignments.c.ended_at.is_(None),
                assignments.c.contacted_at.is_(None),
                assignments.c.next_due_at < days.today_end,
            )
        ).scalar_one()
        binds = conn.execute(
            sa.select(sa.func.count(), sa.func.sum(leads.c.premium)).where(
                mine,
                leads.c.status == LeadStatus.BOUND,
                leads.c.status_changed_at >= days.week_start,
            )
        ).one()
    return Pipeline(
        new_today=int(new_today),
        quoted_pending=int(quoted),
        follow_ups_today=int(follow_ups),
        binds_this_week=int(binds[0]),
        premium_this_week=Decimal(str(binds[1] or 0)).quantize(Decimal("0.01")),
    )
