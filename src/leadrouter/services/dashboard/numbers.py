"""Today's numbers, the per-producer table and the pipeline of the live dashboard; a
producer's own numbers in the portal. One query per figure family, grouped in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.services.dashboard.days import days_of
from leadrouter.store.tables import assignments, lead_status_changes, leads, producers
from leadrouter.store.uow import UnitOfWork

TARGET_SECONDS = 5 * 60
TRAILING = timedelta(days=90)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Today:
    """The top line: leads today, how many were contacted, how fast."""

    leads: int
    contacted: int
    avg_response_seconds: float | None
    target_seconds: int = TARGET_SECONDS

    @property
    def contacted_rate(self) -> float | None:
        return share(self.contacted, self.leads)

    @property
    def above_target(self) -> bool:
        return self.avg_response_seconds is not None and self.avg_response_seconds > TARGET_SECONDS


@dataclass(frozen=True)
class ProducerRow:
    """One producer's line: today, and the trailing 90 days."""

    producer_id: int
    name: str
    open_leads: int
    today: Today
    leads_90: int
    contacted_90: int
    within_target_90: int
    quoted_90: int
    bound_90: int
    premium_90: Decimal

    @property
    def close_rate(self) -> float | None:
        return share(self.bound_90, self.leads_90)

    @property
    def contact_rate(self) -> float | None:
        return share(self.contacted_90, self.leads_90)

    @property
    def within_target_rate(self) -> float | None:
        return share(self.within_target_90, self.leads_90)


@dataclass(frozen=True)
class Pipeline:
    new_today: int
    quoted_pending: int
    follow_ups_today: int
    binds_this_week: int
    premium_this_week: Decimal


def _ever_quoted() -> sa.ColumnElement[bool]:
    return sa.or_(
        leads.c.status.in_((LeadStatus.QUOTED, LeadStatus.BOUND)),
        sa.exists().where(
            lead_status_changes.c.lead_id == leads.c.id,
            lead_status_changes.c.status == LeadStatus.QUOTED,
        ),
    )


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def today(*, uow: UnitOfWork, agency_id: int, now: datetime) -> Today:
    """Leads that arrived today (agency time), contacted, average first response."""
    with uow:
        days = days_of(uow.conn, agency_id, now)
        row = uow.conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(leads.c.first_contact_at),
                sa.func.avg(leads.c.response_seconds),
            ).where(leads.c.agency_id == agency_id, leads.c.created_at >= days.today_start)
        ).one()
    return Today(int(row[0]), int(row[1]), None if row[2] is None else float(row[2]))


def producer_rows(
    *, uow: UnitOfWork, agency_id: int, now: datetime, producer_id: int | None = None
) -> list[ProducerRow]:
    """Every active producer (or one): today's leads, contacted and speed; open leads; the
    trailing 90 days' contact, quote and close figures. Leads count for their current owner."""
    since = now - TRAILING
    with uow:
        conn = uow.conn
        days = days_of(conn, agency_id, now)
        who = sa.select(producers.c.id, producers.c.name, producers.c.open_count).where(
            producers.c.agency_id == agency_id, producers.c.active.is_(True)
        )
        if producer_id is not None:
            who = who.where(producers.c.id == producer_id)
        people = conn.execute(who.order_by(producers.c.name)).all()
        scope = [leads.c.agency_id == agency_id, leads.c.owner_id.is_not(None)]
        if producer_id is not None:
            scope.append(leads.c.owner_id == producer_id)
        todays = {
            r.owner_id: r
            for r in conn.execute(
                sa.select(
                    leads.c.owner_id,
                    sa.func.count().label("n"),
                    sa.func.count(leads.c.first_contact_at).label("contacted"),
                    sa.func.avg(leads.c.response_seconds).label("avg"),
                )
                .where(*scope, leads.c.created_at >= days.today_start)
                .group_by(leads.c.owner_id)
            )
        }
        trailing = {
            r.owner_id: r
            for r in conn.execute(
                sa.select(
                    leads.c.owner_id,
                    sa.func.count().label("n"),
                    sa.func.count(leads.c.first_contact_at).label("contacted"),
                    _count_if(leads.c.response_seconds <= TARGET_SECONDS).label("fast"),
                    _count_if(_ever_quoted()).label("quoted"),
                    _count_if(leads.c.status == LeadStatus.BOUND).label("bound"),
                    sa.func.coalesce(
                        sa.func.sum(
                            sa.case((leads.c.status == LeadStatus.BOUND, leads.c.premium), else_=0)
                        ),
                        0,
                    ).label("premium"),
                )
                .where(*scope, leads.c.created_at >= since)
                .group_by(leads.c.owner_id)
            )
        }
    rows = []
    for p in people:
        t, r = todays.get(p.id), trailing.get(p.id)
        rows.append(
            ProducerRow(
                producer_id=p.id,
                name=p.name,
                open_leads=int(p.open_count),
                today=Today(
                    int(t.n) if t else 0,
                    int(t.contacted) if t else 0,
                    float(t.avg) if t and t.avg is not None else None,
                ),
                leads_90=int(r.n) if r else 0,
                contacted_90=int(r.contacted) if r else 0,
                within_target_90=int(r.fast) if r else 0,
                quoted_90=int(r.quoted) if r else 0,
                bound_90=int(r.bound) if r else 0,
                premium_90=Decimal(r.premium) if r else Decimal(0),
            )
        )
    return rows


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
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(leads.c.premium), 0)).where(
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
        premium_this_week=Decimal(binds[1]),
    )
