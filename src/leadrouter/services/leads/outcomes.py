"""Outcomes: contacted, quoted, bound, lost (and nurture), the one place a lead's result lands.

One transaction, under the agency's routing lock (lock order: agency, then rows):
  * the status change (the lifecycle decides what is allowed, 409 otherwise);
  * contact (an outcome past "assigned", or a logged contact) records the first contact time,
    the lead's response time (first contact minus arrival) and the assignment's contact, which
    stops its escalation ladder and follow-up cadence;
  * bound and lost end the open assignment, free the producer's capacity and drain the queue,
    so a waiting lead may take the freed place at once; nurture keeps only the nurture emails;
  * the ``lead.outcome`` webhook (contacted, quoted, bound with premium, lost).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.domain.model import LeadStatus
from leadrouter.intake.documents import lead_document
from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.services.leads.intake import change_status_in_tx
from leadrouter.services.routing import route as routing
from leadrouter.services.routing.announcements import LeadView, webhook_data
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store import routing_repo
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import assignments, leads

OUTCOME_EVENT = "lead.outcome"
WEBHOOK_OUTCOMES = frozenset(
    {LeadStatus.CONTACTED, LeadStatus.QUOTED, LeadStatus.BOUND, LeadStatus.LOST}
)
_CONTACTED = frozenset({LeadStatus.CONTACTED, LeadStatus.QUOTED, LeadStatus.BOUND})
_CLOSED = frozenset({LeadStatus.BOUND, LeadStatus.LOST})


def record_in_tx(
    conn: sa.Connection,
    deps: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
    premium: Decimal | None = None,
    contact_at: datetime | None = None,
) -> None:
    """Record an outcome inside the caller's transaction (which the caller commits)."""
    lock_agency(conn, agency_id)
    target = LeadStatus(status)
    change_status_in_tx(
        conn, agency_id=agency_id, lead_id=lead_id, status=target, reason=reason, now=now
    )
    if target in _CONTACTED:
        record_contact(conn, lead_id=lead_id, at=contact_at or now)
    if target == LeadStatus.BOUND and premium is not None:
        conn.execute(leads.update().where(leads.c.id == lead_id).values(premium=premium))
    if target in _CLOSED or target == LeadStatus.NURTURE:
        routing_repo.resolve_queue_entry(conn, lead_id=lead_id, now=now)
    if target in _CLOSED:
        routing.end_assignment(conn, lead_id=lead_id, reason=f"lead {target.value}", now=now)
        routing.drain_queue_in_tx(conn, deps, agency_id=agency_id, now=now)
    else:
        ts.reschedule(
            conn,
            agency_id=agency_id,
            lead_id=lead_id,
            rules=ts.rules_for(conn, deps, agency_id),
            now=now,
        )
    if target in WEBHOOK_OUTCOMES:
        _announce(
            conn, agency_id=agency_id, lead_id=lead_id, outcome=target, premium=premium, now=now
        )


def record_contact(conn: sa.Connection, *, lead_id: int, at: datetime) -> None:
    """The first contact with the lead, its response time, and its assignment's contact."""
    lead = conn.execute(
        sa.select(leads.c.created_at, leads.c.first_contact_at).where(leads.c.id == lead_id)
    ).one()
    if lead.first_contact_at is None:
        seconds = max(0, int((at - lead.created_at).total_seconds()))
        conn.execute(
            leads.update()
            .where(leads.c.id == lead_id)
            .values(first_contact_at=at, response_seconds=seconds)
        )
    conn.execute(
        assignments.update()
        .where(
            assignments.c.lead_id == lead_id,
            assignments.c.ended_at.is_(None),
            assignments.c.contacted_at.is_(None),
        )
        .values(contacted_at=at)
    )


def record_outcome(
    *,
    container: Container,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    premium: Decimal | None = None,
) -> dict[str, Any]:
    """``record_in_tx`` in its own transaction; the lead as the API shows it."""
    with container.uow() as uow:
        record_in_tx(
            uow.conn,
            container.routing,
            agency_id=agency_id,
            lead_id=lead_id,
            status=status,
            reason=reason,
            premium=premium,
            now=container.clock.now(),
        )
        row = routing_repo.get_lead_row(uow.conn, agency_id=agency_id, lead_id=lead_id)
        uow.commit()
    return lead_document(row._mapping)


def _announce(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    outcome: LeadStatus,
    premium: Decimal | None,
    now: datetime,
) -> None:
    lead = routing_repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    data = webhook_data(LeadView.of(lead), outcome=outcome.value, producer_id=lead.owner_id)
    if outcome == LeadStatus.BOUND:
        data["premium"] = float(premium) if premium is not None else None
    enqueue_webhook_event(conn, agency_id=agency_id, event=OUTCOME_EVENT, data=data, now=now)
