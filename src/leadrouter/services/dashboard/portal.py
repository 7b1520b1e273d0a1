"""The producer portal's view: my open leads by urgency, with the time left before the
next escalation, a page at a time, and my follow-ups due today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import lead_display_name
from leadrouter.domain.timer_actions import (
    Action,
    AlertManager,
    AlertProducer,
    OfferExpired,
    Reassign,
    RemindProducer,
    WarnProducer,
)
from leadrouter.domain.timers import TimerState, upcoming
from leadrouter.intake.phones import for_display
from leadrouter.paging import decode_cursor, encode_cursor
from leadrouter.services.dashboard.days import days_of
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store.tables import activities, assignments, leads
from leadrouter.store.uow import UnitOfWork

SOON_SECONDS = 5 * 60
PAGE_SIZE = 50  # cards on one page of the portal: a phone's worth, refreshed every minute
CURSOR_KIND = "portal_lead"
_ESCALATIONS = (OfferExpired, AlertProducer, WarnProducer, Reassign, AlertManager)


@dataclass(frozen=True)
class PortalLead:
    """One lead of mine, as the portal card shows it."""

    lead_id: int
    name: str
    phone: str | None
    email: str | None
    insurance_type: str
    place: str
    status: str
    source: str | None
    intent_tier: str | None
    received_at: datetime
    offered: bool
    accept_by: datetime | None
    contacted: bool
    attempts: int
    repeats: int
    premium: float | None  # bound
    quoted_premium: float | None
    next_step: str | None
    next_step_at: datetime | None
    seconds_left: int | None
    follow_up_at: datetime | None
    # The consumer asked again (same line) since anyone last worked the lead, and when.
    asked_again: bool = False
    last_asked_at: datetime | None = None

    @property
    def urgency(self) -> str:
        """ "urgent" (overdue, an offer, or asked again), "soon" (within 5 minutes) or ""."""
        if self.offered or self.asked_again:
            return "urgent"
        if self.seconds_left is not None and self.seconds_left <= 0:
            return "urgent"
        if self.seconds_left is not None and self.seconds_left <= SOON_SECONDS:
            return "soon"
        return ""


def describe(action: Action) -> str:
    """What happens at a step, in the producer's words."""
    if isinstance(action, OfferExpired):
        return "the offer goes to someone else"
    if isinstance(action, Reassign):
        return "the lead is reassigned"
    if isinstance(action, AlertManager):
        return "your manager is alerted"
    if isinstance(action, WarnProducer):
        return "you get a warning"
    return "you get a reminder"


def my_leads(
    *, uow: UnitOfWork, deps: RoutingCaches, agency_id: int, producer_id: int, now: datetime
) -> list[PortalLead]:
    """My open leads (offered to me or mine), the most urgent first."""
    attempts = (
        sa.select(sa.func.count())
        .where(activities.c.lead_id == leads.c.id, activities.c.kind == "call_attempt")
        .scalar_subquery()
    )
    worked = (
        sa.select(sa.func.max(activities.c.at))
        .where(activities.c.lead_id == leads.c.id)
        .scalar_subquery()
    )
    with uow:
        conn = uow.conn
        days = days_of(conn, agency_id, now)
        rules = ts.rules_for(conn, deps, agency_id)
        rows = conn.execute(
            sa.select(
                leads,
                assignments.c.id.label("a_id"),
                assignments.c.started_at,
                assignments.c.accept_by,
                assignments.c.accepted_at,
                assignments.c.contacted_at,
                assignments.c.done_steps,
                attempts.label("attempts"),
                worked.label("worked_at"),
            )
            .join(leads, leads.c.id == assignments.c.lead_id)
            .where(
                assignments.c.agency_id == agency_id,
                assignments.c.producer_id == producer_id,
                assignments.c.ended_at.is_(None),
            )
        ).all()
    out = []
    for row in rows:
        agenda = upcoming(timer_state(row, producer_id, days.timezone), rules, now)
        step = next_escalation(agenda)
        follow = next((at for at, a in agenda if isinstance(a, RemindProducer)), None)
        out.append(
            PortalLead(
                lead_id=row.id,
                name=lead_display_name(
                    row.first_name, row.last_name, for_display(row.phone), row.id
                ),
                phone=row.phone,
                email=row.email,
                insurance_type=row.insurance_type,
                place=" ".join(p for p in (row.city, row.state, row.zip) if p),
                status=row.status,
                source=row.source_name,
                intent_tier=row.intent_tier,
                received_at=row.created_at,
                offered=row.accept_by is not None and row.accepted_at is None,
                accept_by=row.accept_by,
                contacted=row.first_contact_at is not None,
                attempts=int(row.attempts),
                repeats=max(0, int(row.touch_count) - 1),
                asked_again=asked_again(row.touch_count, row.last_touch_at, row.worked_at),
                last_asked_at=row.last_touch_at if row.touch_count > 1 else None,
                premium=None if row.premium is None else float(row.premium),
                quoted_premium=None if row.quoted_premium is None else float(row.quoted_premium),
                next_step=None if step is None else describe(step[1]),
                next_step_at=None if step is None else step[0],
                seconds_left=None if step is None else int((step[0] - now).total_seconds()),
                follow_up_at=follow if follow is not None and follow < days.today_end else None,
            )
        )
    return sorted(out, key=_urgency_order)


def asked_again(touch_count: int, last_touch_at: datetime, worked_at: datetime | None) -> bool:
    """Whether the consumer asked again after the lead was last worked (or was never worked)."""
    return touch_count > 1 and (worked_at is None or last_touch_at > worked_at)


@dataclass(frozen=True)
class _Assignment:
    id: int
    lead_id: int
    producer_id: int
    started_at: datetime
    accept_by: datetime | None
    accepted_at: datetime | None
    contacted_at: datetime | None
    done_steps: list[str]


def timer_state(row: Any, producer_id: int, timezone: str) -> TimerState:
    """The time engine's state of an open assignment, from a row of a lead joined with the
    assignment's ``a_id``, ``started_at``, ``accept_by``, ``accepted_at``, ``contacted_at``
    and ``done_steps``."""
    assignment = _Assignment(
        id=row.a_id,
        lead_id=row.id,
        producer_id=producer_id,
        started_at=row.started_at,
        accept_by=row.accept_by,
        accepted_at=row.accepted_at,
        contacted_at=row.contacted_at,
        done_steps=row.done_steps,
    )
    return ts.state_of(assignment, row, timezone)


def next_escalation(agenda: list[tuple[datetime, Action]]) -> tuple[datetime, Action] | None:
    """The first step of the offer or the escalation ladder in an agenda (not the cadence)."""
    return next((item for item in agenda if isinstance(item[1], _ESCALATIONS)), None)


def _urgency_order(lead: PortalLead) -> tuple[int, float, float, int]:
    # Offers first, then leads whose consumer asked again since they were last worked, then
    # leads racing a step (soonest first), then the rest, newest first. The step's instant
    # (not the whole seconds left, which round differently from one minute to the next) and
    # then the id break ties, so the order holds still between pages.
    if lead.offered:
        rank = 0
    elif lead.asked_again:
        rank = 1
    else:
        rank = 2 if lead.next_step_at is not None else 3
    step = lead.next_step_at.timestamp() if lead.next_step_at is not None else 0.0
    return rank, step, -lead.received_at.timestamp(), -lead.lead_id


def follow_ups_today(leads_: list[PortalLead]) -> list[PortalLead]:
    """Of my leads, those with a reminder to call again due before the end of today."""
    due = [lead for lead in leads_ if lead.follow_up_at is not None]
    return sorted(due, key=lambda lead: lead.follow_up_at or lead.received_at)


@dataclass(frozen=True)
class PortalPage:
    """One page of my open leads in urgency order, and where it sits among them all."""

    leads: list[PortalLead]
    total: int  # all my open leads
    first: int  # the position of this page's first lead among them (1-based; 0 when empty)
    next_cursor: str | None  # the page after this one, None on the last
    restarted: bool = False  # the cursor's lead has left my list: this is the first page


def page_of(mine: list[PortalLead], *, cursor: str | None, limit: int = PAGE_SIZE) -> PortalPage:
    """The page of ``mine`` (in urgency order) after the lead the cursor names.

    Urgency order moves only as offers are answered, consumers ask again or steps pass, so
    the lead a cursor names is looked up in today's order and the page continues after it;
    when that lead has left the list (closed, declined, reassigned) the first page answers.
    """
    start, restarted = 0, False
    if cursor is not None:
        after = decode_cursor(CURSOR_KIND, cursor)
        at = next((i for i, lead in enumerate(mine) if lead.lead_id == after), None)
        start, restarted = (0, True) if at is None else (at + 1, False)
    shown = mine[start : start + limit]
    more = start + limit < len(mine)
    return PortalPage(
        leads=shown,
        total=len(mine),
        first=start + 1 if shown else 0,
        next_cursor=encode_cursor(CURSOR_KIND, shown[-1].lead_id) if more else None,
        restarted=restarted,
    )
