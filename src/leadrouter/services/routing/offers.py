"""Offers: a producer accepts an offered lead in time, or declines it, or lets it expire.

When the policy requires acceptance (``timing.acceptance``), routing opens each assignment as
an offer (state ``offered``, ``accept_by``). Accepting makes it ``active``; a decline, or the
time engine's expiry, ends it (state ``declined`` or ``expired``) and offers the lead to the
next eligible producer, leaving out everyone who declined it or let it expire. Each offer is
an assignment row; each acceptance, decline and expiry is also a record in the agency's
hash-chained decision log (kinds ``accept``, ``decline``, ``offer_expired``).

Lock order, as everywhere that changes ownership: the agency's routing lock, then rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict
from leadrouter.paging import Page, page
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing import route as routing
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.store import routing_repo
from leadrouter.store.audit import append_decision
from leadrouter.store.leads import lead_row
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import assignments
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class OfferResult:
    lead_id: int
    producer_id: int
    state: str  # active (accepted) | declined
    next_outcome: str | None  # after a decline: assigned | queued | nurture
    next_producer_id: int | None


def accept_in_tx(
    conn: sa.Connection,
    deps: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    now: datetime,
) -> OfferResult:
    """The producer takes the offered lead (409 unless it is their offer and still open)."""
    lock_agency(conn, agency_id)
    row = _offer_of(conn, agency_id=agency_id, lead_id=lead_id, producer_id=producer_id)
    if row.state == ts.ACTIVE and row.accepted_at is not None:
        return OfferResult(lead_id, producer_id, ts.ACTIVE, None, None)  # accepted already
    _still_open(row, now)
    conn.execute(
        assignments.update()
        .where(assignments.c.id == row.id)
        .values(state=ts.ACTIVE, accepted_at=now)
    )
    _record(
        conn,
        deps,
        row,
        agency_id=agency_id,
        kind="accept",
        outcome="accepted",
        reason=None,
        now=now,
    )
    ts.reschedule(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now)
    return OfferResult(lead_id, producer_id, ts.ACTIVE, None, None)


def decline_in_tx(
    conn: sa.Connection,
    deps: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    reason: str | None,
    now: datetime,
) -> OfferResult:
    """The producer turns the offer down; the lead is offered to the next eligible producer."""
    lock_agency(conn, agency_id)
    row = _offer_of(conn, agency_id=agency_id, lead_id=lead_id, producer_id=producer_id)
    _still_open(row, now)
    said = f"declined by producer {producer_id}" + (f": {reason}" if reason else "")
    result = hand_over_offer(
        conn,
        deps,
        row,
        agency_id=agency_id,
        state=ts.DECLINED,
        kind="decline",
        reason=said,
        actor=None,
        now=now,
    )
    return OfferResult(lead_id, producer_id, ts.DECLINED, result.outcome, result.producer_id)


def hand_over_offer(
    conn: sa.Connection,
    deps: RoutingCaches,
    row: Any,
    *,
    agency_id: int,
    state: str,
    kind: str,
    reason: str,
    actor: str | None,
    now: datetime,
) -> routing.RouteResult:
    """End the offer ``row`` (declined or expired) and offer the lead to someone else;
    ``actor`` is who the re-offer's decision names (None: no one in particular)."""
    lead_id, owner = int(row.lead_id), int(row.producer_id)
    routing.end_assignment(conn, lead_id=lead_id, reason=reason, now=now)
    conn.execute(assignments.update().where(assignments.c.id == row.id).values(state=state))
    _record(conn, deps, row, agency_id=agency_id, kind=kind, outcome=state, reason=reason, now=now)
    result = routing.route_lead_in_tx(
        conn,
        deps,
        agency_id=agency_id,
        lead_id=lead_id,
        now=now,
        kind="reoffer",
        actor=actor,
        exclude=ts.refused_by(conn, lead_id=lead_id) | {owner},
    )
    lead_events.reassigned(
        conn,
        agency_id=agency_id,
        lead_id=lead_id,
        from_producer=owner,
        to_producer=result.producer_id,
        reason=reason,
        now=now,
    )
    return result


def accept_offer(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    now: datetime,
) -> OfferResult:
    """``accept_in_tx`` in its own transaction."""
    with uow:
        result = accept_in_tx(
            uow.conn,
            caches,
            agency_id=agency_id,
            lead_id=lead_id,
            producer_id=producer_id,
            now=now,
        )
        uow.commit()
    return result


def decline_offer(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    reason: str | None,
    now: datetime,
) -> OfferResult:
    """``decline_in_tx`` in its own transaction."""
    with uow:
        result = decline_in_tx(
            uow.conn,
            caches,
            agency_id=agency_id,
            lead_id=lead_id,
            producer_id=producer_id,
            reason=reason,
            now=now,
        )
        uow.commit()
    return result


def assignments_of(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """The assignments and offers of the agency's lead, oldest first, a page at a time."""
    with uow:
        lead_row(uow.conn, agency_id, lead_id)
        return page(
            uow.conn,
            sa.select(assignments).where(assignments.c.lead_id == lead_id),
            assignments,
            kind="assignment",
            cursor=cursor,
            limit=limit,
            build=dict,
        )


def _offer_of(conn: sa.Connection, *, agency_id: int, lead_id: int, producer_id: int) -> Any:
    lead_row(conn, agency_id, lead_id)
    row = routing_repo.open_assignment_row(conn, lead_id=lead_id, lock=True)
    if row is None or row.producer_id != producer_id:
        raise Conflict(f"lead {lead_id} is not offered to producer {producer_id}")
    return row


def _still_open(row: Any, now: datetime) -> None:
    if row.state != ts.OFFERED or row.accept_by is None:
        raise Conflict(
            f"lead {row.lead_id} is already assigned to producer {row.producer_id}; "
            "there is no offer to answer"
        )
    if now >= row.accept_by:
        raise Conflict(f"the offer of lead {row.lead_id} expired at {row.accept_by.isoformat()}")


def _record(
    conn: sa.Connection,
    deps: RoutingCaches,
    row: Any,
    *,
    agency_id: int,
    kind: str,
    outcome: str,
    reason: str | None,
    now: datetime,
) -> None:
    """The acceptance, decline or expiry in the hash-chained decision log."""
    append_decision(
        conn,
        agency_id=agency_id,
        lead_id=row.lead_id,
        kind=kind,
        outcome=outcome,
        producer_id=row.producer_id,
        policy_version=deps.policies.active(conn, agency_id).routing.version,
        explanation={
            "assignment_id": row.id,
            "offered_at": row.started_at.isoformat(),
            "accept_by": row.accept_by.isoformat() if row.accept_by else None,
            "reason": reason,
        },
        actor=None if kind == "offer_expired" else f"producer {row.producer_id}",
        now=now,
    )
