"""The dashboard's alerts: leads untouched 15 minutes or more, producers slower than the
target, leads within 5 minutes of being reassigned or of alerting the manager, licenses
expiring within 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus, LicenseStatus, lead_display_name
from leadrouter.domain.timer_actions import AlertManager, Reassign
from leadrouter.domain.timers import upcoming
from leadrouter.services.dashboard.days import days_of
from leadrouter.services.dashboard.numbers import ProducerRow
from leadrouter.services.dashboard.portal import describe, timer_state
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store.tables import assignments, leads, licenses, producers
from leadrouter.store.uow import UnitOfWork

UNTOUCHED = timedelta(minutes=15)
ABOUT_TO_BREACH = timedelta(minutes=5)
LICENSE_HORIZON = timedelta(days=30)
LIMIT = 50
_BREACHES = (Reassign, AlertManager)


@dataclass(frozen=True)
class Alert:
    """One line of the alerts box; ``lead_id`` links to the lead when there is one."""

    kind: str  # untouched | slow | breach | license
    message: str
    lead_id: int | None = None


def alerts(
    *,
    uow: UnitOfWork,
    deps: RoutingCaches,
    agency_id: int,
    now: datetime,
    table: list[ProducerRow],
) -> list[Alert]:
    """Every alert of the agency now, the gravest kinds first."""
    out: list[Alert] = []
    with uow:
        conn = uow.conn
        days = days_of(conn, agency_id, now)
        today = days.today_start.date()
        rules = ts.rules_for(conn, deps, agency_id)
        open_uncontacted = (
            sa.select(
                leads,
                producers.c.name.label("producer"),
                assignments.c.id.label("a_id"),
                assignments.c.producer_id,
                assignments.c.started_at,
                assignments.c.accept_by,
                assignments.c.accepted_at,
                assignments.c.contacted_at,
                assignments.c.done_steps,
                assignments.c.next_due_at,
            )
            .join(assignments, assignments.c.lead_id == leads.c.id)
            .join(producers, producers.c.id == assignments.c.producer_id)
            .where(
                assignments.c.agency_id == agency_id,
                assignments.c.ended_at.is_(None),
                assignments.c.contacted_at.is_(None),
                # Not an index condition: SQLite would otherwise scan every never-reached lead
                # of every agency (ix_leads_agency_first_contact, whose statistics make NULL
                # look rare) instead of the agency's few open assignments.
                sa.case((leads.c.first_contact_at.is_(None), 1), else_=0) == 1,
                leads.c.status == LeadStatus.ASSIGNED,
            )
        )
        untouched = conn.execute(
            open_uncontacted.where(assignments.c.started_at <= now - UNTOUCHED)
            .order_by(assignments.c.started_at)
            .limit(LIMIT)
        ).all()
        breaching = conn.execute(
            open_uncontacted.where(
                assignments.c.next_due_at.is_not(None),
                assignments.c.next_due_at <= now + ABOUT_TO_BREACH,
            )
            .order_by(assignments.c.next_due_at)
            .limit(LIMIT)
        ).all()
        expiring = conn.execute(
            sa.select(
                producers.c.name, licenses.c.state, licenses.c.number, licenses.c.expiration_date
            )
            .join(producers, producers.c.id == licenses.c.producer_id)
            .where(
                licenses.c.agency_id == agency_id,
                licenses.c.status == LicenseStatus.ACTIVE,
                producers.c.active.is_(True),
                licenses.c.expiration_date >= today,
                licenses.c.expiration_date <= today + LICENSE_HORIZON,
            )
            .order_by(licenses.c.expiration_date)
            .limit(LIMIT)
        ).all()
    for r in untouched:
        name = lead_display_name(r.first_name, r.last_name, lead_id=r.id)
        minutes = int((now - r.started_at).total_seconds() // 60)
        out.append(
            Alert(
                "untouched",
                f"{name} untouched for {minutes} min ({r.producer})",
                r.id,
            )
        )
    for p in table:
        if p.today.above_target:
            avg = int((p.today.avg_response_seconds or 0) // 60)
            out.append(Alert("slow", f"{p.name}: response time {avg} min today, above target"))
    for r in breaching:
        # The producer's own reminders start within 5 minutes of every lead; the manager is
        # told of what takes the lead away or reaches the manager: reassignment, manager alert.
        agenda = upcoming(timer_state(r, r.producer_id, days.timezone), rules, now)
        step = next((item for item in agenda if isinstance(item[1], _BREACHES)), None)
        if step is None or step[0] > now + ABOUT_TO_BREACH:
            continue
        left = int((step[0] - now).total_seconds() // 60)
        when = "overdue" if left < 0 else f"in {left} min"
        name = lead_display_name(r.first_name, r.last_name, lead_id=r.id)
        out.append(
            Alert(
                "breach",
                f"{name} ({r.producer}): {describe(step[1])} {when}",
                r.id,
            )
        )
    for e in expiring:
        days_left = (e.expiration_date - today).days
        out.append(
            Alert(
                "license",
                f"{e.name}'s {e.state} license {e.number} expires {_on(e.expiration_date)} "
                f"(in {days_left} days)",
            )
        )
    return out


def _on(day: date) -> str:
    return day.isoformat()
