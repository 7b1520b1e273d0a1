"""Timer state in the store: an assignment row and its lead as the domain's ``TimerState``.

Small and import-light on purpose: routing (which opens assignments), the timer step, the
acceptance, activity and outcome services all use it, inside their own transactions.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.timer_policy import AcceptanceRule, TimingRules
from leadrouter.domain.timers import TimerState, next_due_at, per_lead_keys
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store import routing_repo
from leadrouter.store.agency_repo import agency_timezone
from leadrouter.store.assignments import AssignmentRepository
from leadrouter.store.tables import assignments

OFFERED, ACTIVE, ENDED = "offered", "active", "ended"
DECLINED, EXPIRED = "declined", "expired"  # the state of an offer that ended without an owner


def state_of(row: Any, lead: Any, agency_timezone: str) -> TimerState:
    """The domain's view of one open assignment (``row``) of ``lead``."""
    return TimerState(
        lead_id=row.lead_id,
        assignment_id=row.id,
        owner_id=row.producer_id,
        first_assigned_at=lead.first_assigned_at or row.started_at,
        assigned_at=row.started_at,
        consumer_timezone=_known_zone(lead.timezone) or agency_timezone,
        lead_status=lead.status,
        accept_by=row.accept_by,
        accepted_at=row.accepted_at,
        contacted_at=row.contacted_at,
        do_not_contact=bool(lead.do_not_contact),
        done=frozenset(row.done_steps or ()),
    )


def _known_zone(name: str | None) -> str | None:
    # A zone stored before intake checked zones (one ZIP's data named no real zone) must not
    # make every tick of its lead raise: the agency's zone stands in.
    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


def opening(
    conn: sa.Connection,
    *,
    lead_id: int,
    kind: str,
    acceptance: AcceptanceRule,
    now: datetime,
    never_assigned: bool = False,
) -> dict[str, Any]:
    """Columns of a lead's new assignment: an offer or not, and the per-lead steps already done.

    Manual assignments are never offers: a manager chose the producer. A lead that was
    ``never_assigned`` has no steps to carry over, so nothing is read for it.
    """
    previous = [] if never_assigned else AssignmentRepository(conn).last_done_steps(lead_id)
    offered = acceptance.required and kind != "manual"
    return {
        "state": OFFERED if offered else ACTIVE,
        "accept_by": now + acceptance.within if offered else None,
        "done_steps": sorted(per_lead_keys(previous or ())),
    }


def reschedule(
    conn: sa.Connection, deps: RoutingCaches, *, agency_id: int, lead_id: int, now: datetime
) -> datetime | None:
    """Recompute the open assignment's ``next_due_at`` after its lead or row changed, by the
    timing rules of the agency's policy in force."""
    rules = rules_for(conn, deps, agency_id)
    row = routing_repo.open_assignment_row(conn, lead_id=lead_id)
    lead = routing_repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    if row is None or lead is None:
        return None
    due = next_due_at(state_of(row, lead, agency_timezone(conn, agency_id)), rules, now)
    conn.execute(assignments.update().where(assignments.c.id == row.id).values(next_due_at=due))
    return due


def refused_by(conn: sa.Connection, *, lead_id: int) -> frozenset[int]:
    """Producers who declined this lead or let its offer expire: it is not offered again."""
    return refused_by_each(conn, lead_ids=[lead_id])[lead_id]


def refused_by_each(conn: sa.Connection, *, lead_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """``refused_by`` for each of ``lead_ids``, in one statement (every id has an entry)."""
    refused: dict[int, set[int]] = {lead_id: set() for lead_id in lead_ids}
    if refused:
        for lead_id, producer_id in conn.execute(
            sa.select(assignments.c.lead_id, assignments.c.producer_id).where(
                assignments.c.lead_id.in_(list(refused)),
                assignments.c.state.in_((DECLINED, EXPIRED)),
            )
        ):
            refused[int(lead_id)].add(int(producer_id))
    return {lead_id: frozenset(producers) for lead_id, producers in refused.items()}


def rules_for(conn: sa.Connection, deps: RoutingCaches, agency_id: int) -> TimingRules:
    """The timing rules of the agency's policy in force."""
    return deps.policies.active(conn, agency_id).timing
