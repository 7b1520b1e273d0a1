"""Outcomes: contacted, quoted, bound, lost (and nurture), the one place a lead's result lands.

What each carries: quoted, the premium quoted; bound, the written premium, the policy number
and the commission (given, or the premium times the agency's rate for the lead's source or
line); lost, a reason from ``LOST_REASONS``. A bound lead's premium, commission and policy
number can be corrected afterwards (``correct_bind``).

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

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.outcomes import LOST_REASONS
from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.intake.documents import lead_document
from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.services.leads.commission import rates_in
from leadrouter.services.leads.intake import change_status_in_tx
from leadrouter.services.routing import queue
from leadrouter.services.routing import route as routing
from leadrouter.services.routing.announcements import LeadView, webhook_data
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store import routing_repo
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import assignments, leads
from leadrouter.store.uow import UnitOfWork

OUTCOME_EVENT = "lead.outcome"
WEBHOOK_OUTCOMES = frozenset(
    {LeadStatus.CONTACTED, LeadStatus.QUOTED, LeadStatus.BOUND, LeadStatus.LOST}
)
_CONTACTED = frozenset({LeadStatus.CONTACTED, LeadStatus.QUOTED, LeadStatus.BOUND})
_CLOSED = frozenset({LeadStatus.BOUND, LeadStatus.LOST})


@dataclass(frozen=True)
class OutcomeData:
    """What an outcome carries: ``premium`` is the quoted premium of a quote and the written
    premium of a bind; ``commission`` and ``policy_number`` belong to a bind, ``lost_reason``
    to a loss."""

    premium: Decimal | None = None
    policy_number: str | None = None
    commission: Decimal | None = None
    lost_reason: str | None = None

    def check(self, status: LeadStatus) -> None:
        """Refuse data that does not belong to ``status`` (422)."""
        errors = []
        if self.premium is not None and status not in (LeadStatus.QUOTED, LeadStatus.BOUND):
            errors.append(FieldError("premium", "only a quote or a bind has a premium"))
        if status != LeadStatus.BOUND:
            for name in ("policy_number", "commission"):
                if getattr(self, name) is not None:
                    errors.append(FieldError(name, "only a bind has one"))
        if self.lost_reason is not None and status != LeadStatus.LOST:
            errors.append(FieldError("lost_reason", "only a loss has one"))
        if self.lost_reason is not None and self.lost_reason not in LOST_REASONS:
            errors.append(FieldError("lost_reason", f"not one of {', '.join(LOST_REASONS)}"))
        if errors:
            raise ValidationFailed("; ".join(f"{e.field}: {e.reason}" for e in errors), errors)


def record_in_tx(
    conn: sa.Connection,
    deps: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
    data: OutcomeData | None = None,
    contact_at: datetime | None = None,
) -> None:
    """Record an outcome inside the caller's transaction (which the caller commits)."""
    lock_agency(conn, agency_id)
    target = LeadStatus(status)
    data = data or OutcomeData()
    data.check(target)
    change_status_in_tx(
        conn, agency_id=agency_id, lead_id=lead_id, status=target, reason=reason, now=now
    )
    if target in _CONTACTED:
        record_contact(conn, lead_id=lead_id, at=contact_at or now)
    _keep_data(conn, agency_id=agency_id, lead_id=lead_id, status=target, data=data, now=now)
    if target in _CLOSED or target == LeadStatus.NURTURE:
        routing_repo.resolve_queue_entry(conn, lead_id=lead_id, now=now)
    if target in _CLOSED:
        routing.end_assignment(conn, lead_id=lead_id, reason=f"lead {target.value}", now=now)
        queue.drain_queue_in_tx(conn, deps, agency_id=agency_id, now=now)
    else:
        ts.reschedule(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now)
    if target in WEBHOOK_OUTCOMES:
        _announce(conn, agency_id=agency_id, lead_id=lead_id, outcome=target, now=now)


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


def _keep_data(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    status: LeadStatus,
    data: OutcomeData,
    now: datetime,
) -> None:
    """The outcome's data on the lead: the first quote and bind times stay the first."""
    row = conn.execute(
        sa.select(leads.c.quoted_at, leads.c.source_name, leads.c.business_line).where(
            leads.c.id == lead_id
        )
    ).one()
    values: dict[str, Any] = {}
    if status in (LeadStatus.QUOTED, LeadStatus.BOUND) and row.quoted_at is None:
        values["quoted_at"] = now  # a bind without a recorded quote was quoted too
    if status == LeadStatus.QUOTED and data.premium is not None:
        values["quoted_premium"] = data.premium
    if status == LeadStatus.BOUND:
        values |= {"bound_at": now, "premium": data.premium, "policy_number": data.policy_number}
        values["commission"] = _commission(conn, agency_id, row, data.premium, data.commission)
    if status == LeadStatus.LOST:
        values["lost_reason"] = data.lost_reason
    if values:
        conn.execute(leads.update().where(leads.c.id == lead_id).values(values))


def _commission(
    conn: sa.Connection,
    agency_id: int,
    lead: Any,
    premium: Decimal | None,
    given: Decimal | None,
) -> Decimal | None:
    if given is not None or premium is None:
        return given
    rates = rates_in(conn, agency_id)
    return rates.commission(premium, source=lead.source_name, line=lead.business_line)


def record_outcome(
    *,
    uow: UnitOfWork,
    routing_deps: RoutingCaches,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
    data: OutcomeData | None = None,
) -> dict[str, Any]:
    """``record_in_tx`` in its own transaction; the lead as the API shows it."""
    with uow:
        record_in_tx(
            uow.conn,
            routing_deps,
            agency_id=agency_id,
            lead_id=lead_id,
            status=status,
            reason=reason,
            data=data,
            now=now,
        )
        row = routing_repo.get_lead_row(uow.conn, agency_id=agency_id, lead_id=lead_id)
        uow.commit()
    return lead_document(row._mapping)


def correct_bind(
    *,
    uow: UnitOfWork,
    agency_id: int,
    lead_id: int,
    now: datetime,
    premium: Decimal | None = None,
    commission: Decimal | None = None,
    policy_number: str | None = None,
) -> dict[str, Any]:
    """Correct a bound lead's premium, commission or policy number (what is not given stays;
    a new premium without a commission recomputes the commission at the agency's rate)."""
    with uow:
        conn = uow.conn
        lock_agency(conn, agency_id)
        row = routing_repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
        if row is None:
            raise NotFound(f"lead {lead_id} does not exist")
        if row.status != LeadStatus.BOUND:
            raise Conflict(
                f"lead {lead_id} is {row.status}: only a bound lead's bind can be corrected",
                errors=[FieldError("status", "not bound")],
            )
        values: dict[str, Any] = {}
        if premium is not None:
            values["premium"] = premium
            values["commission"] = _commission(conn, agency_id, row, premium, commission)
        elif commission is not None:
            values["commission"] = commission
        if policy_number is not None:
            values["policy_number"] = policy_number
        if values:
            conn.execute(leads.update().where(leads.c.id == lead_id).values(values))
            _announce(
                conn,
                agency_id=agency_id,
                lead_id=lead_id,
                outcome=LeadStatus.BOUND,
                now=now,
                corrected=True,
            )
        row = routing_repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
        uow.commit()
    return lead_document(row._mapping)


def _announce(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    outcome: LeadStatus,
    now: datetime,
    corrected: bool = False,
) -> None:
    lead = routing_repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    data = webhook_data(LeadView.of(lead), outcome=outcome.value, producer_id=lead.owner_id)
    if outcome == LeadStatus.QUOTED:
        data["quoted_premium"] = _money(lead.quoted_premium)
    if outcome == LeadStatus.BOUND:
        data["premium"] = _money(lead.premium)
        data["commission"] = _money(lead.commission)
        data["policy_number"] = lead.policy_number
        if corrected:
            data["corrected"] = True
    if outcome == LeadStatus.LOST:
        data["lost_reason"] = lead.lost_reason
    enqueue_webhook_event(conn, agency_id=agency_id, event=OUTCOME_EVENT, data=data, now=now)


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
