"""Give a lead to exactly one licensed producer, or queue it with a reason: one transaction.

Owner, capacity counts, rotation counter, the audit record and the outbox rows change
together or not at all. The agency's routing lock (an advisory lock on PostgreSQL, the
database lock on SQLite) serializes decisions of one agency, so counts read for a decision
are still true when it commits; the open-lead cap is also claimed with a conditional update,
and a partial unique index refuses a second open assignment for a lead.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.routing import Decision, decision_document, eligible_producers, route
from leadrouter.errors import Conflict, NotFound, NotLicensed
from leadrouter.intake import lifecycle
from leadrouter.services.leads.intake import change_status_in_tx
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing.announcements import LeadView, Person
from leadrouter.services.routing.context import (
    RoutingCaches,
    RoutingContext,
    agency_state,
    context_for,
    load_context,
)
from leadrouter.services.timers import state as timer_state
from leadrouter.store import routing_repo as repo
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.assignments import AssignmentRepository
from leadrouter.store.audit import append_decision
from leadrouter.store.leads import LeadRepository
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import leads
from leadrouter.store.types import UTCDateTime
from leadrouter.store.uow import UnitOfWork

log = logging.getLogger(__name__)

QUEUE_PRIORITY = {"high": 30, "medium": 20, "low": 10}


@dataclass(frozen=True)
class RouteResult:
    lead_id: int
    outcome: str  # assigned | queued | nurture | unchanged
    producer_id: int | None
    decision_id: int | None
    reason: str | None
    # The lead's row as the decision left it, when the decision wrote it (RETURNING).
    lead_row: Any = dataclasses.field(default=None, compare=False, repr=False)


def route_lead_in_tx(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    now: datetime,
    kind: str = "route",
    actor: str | None = None,
    exclude: frozenset[int] = frozenset(),
    only_if_assigned: bool = False,
    prefer: int | None = None,
    row: Any = None,
    agency: AgencyInfo | None = None,
    outbox: OutboxRepository | None = None,
) -> RouteResult:
    """Route one lead inside the caller's transaction (which the caller commits).

    With ``only_if_assigned`` (queue draining) a lead that still finds nobody stays as it is:
    no new audit record, only its queue reason refreshed. ``exclude`` leaves producers out of
    the decision (earlier owners); ``prefer`` (an owner's backup) wins when it is eligible.
    ``row`` and ``agency`` are the lead and agency when the caller read them in this
    transaction; ``outbox`` collects the messages for the caller to flush (else they are
    written before returning).
    """
    lock_agency(conn, agency_id)
    ctx = load_context(
        conn, caches, agency_id=agency_id, lead_id=lead_id, now=now, row=row, agency=agency
    )
    decision = route(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
    if prefer is not None and decision.outcome != "nurture":
        decision = _prefer(ctx, decision, prefer, exclude)
    if only_if_assigned and decision.outcome != "assigned":
        if decision.outcome == "queued" and ctx.input.lead.status == LeadStatus.QUEUED:
            _wait(conn, ctx, decision.reason, now)
        return RouteResult(lead_id, "unchanged", None, None, decision.reason)
    return _apply(conn, ctx, decision, kind=kind, actor=actor, now=now, outbox=outbox)


def _prefer(
    ctx: RoutingContext, decision: Decision, prefer: int, exclude: frozenset[int]
) -> Decision:
    """The preferred producer instead, when the gate, availability and caps allow them."""
    if prefer in exclude or prefer not in eligible_producers(
        ctx.roster, ctx.input, ctx.policy, exclude=exclude
    ):
        return decision
    verdict = ctx.gate(prefer)
    if not verdict.eligible:
        return decision
    return dataclasses.replace(
        decision,
        outcome="assigned",
        producer_id=prefer,
        license_id=verdict.license_id,
        pool=None,
        reason=None,
        strategy="backup of the previous owner",
        tie_break=None,
        steps=(*decision.steps, f"backup: producer {prefer} is eligible and takes the lead"),
    )


def _wait(conn: sa.Connection, ctx: RoutingContext, reason: str | None, now: datetime) -> str:
    """Put the lead in (or keep it in) the queue with its reason; the reason given."""
    lead = ctx.input.lead
    reason = reason or "no eligible producer"
    repo.enqueue(
        conn,
        agency_id=lead.agency_id,
        lead_id=lead.id,
        reason=reason,
        priority=QUEUE_PRIORITY.get(lead.intent_tier or "", 0),
        now=now,
    )
    return reason


def _apply(
    conn: sa.Connection,
    ctx: RoutingContext,
    decision: Decision,
    *,
    kind: str,
    actor: str | None,
    now: datetime,
    outbox: OutboxRepository | None = None,
) -> RouteResult:
    lead = ctx.input.lead
    agency_id = lead.agency_id
    staged = outbox if outbox is not None else OutboxRepository(conn)
    if decision.outcome == "assigned" and decision.producer_id is not None:
        # A guard, not a second opinion: every path that builds an "assigned" decision has
        # checked the gate on this same snapshot; this keeps a future one from skipping it.
        verdict = ctx.gate(decision.producer_id)
        if not verdict.eligible:
            raise NotLicensed(f"gate refused producer {decision.producer_id}: {verdict.reason}")
        if not repo.claim_capacity(
            conn, producer_id=decision.producer_id, today=ctx.today, agency_id=agency_id
        ):
            raise Conflict(f"producer {decision.producer_id} reached a cap during the decision")
    decision_id = append_decision(
        conn,
        agency_id=agency_id,
        lead_id=lead.id,
        kind=kind,
        outcome=decision.outcome,
        producer_id=decision.producer_id,
        policy_version=decision.policy_version,
        explanation=decision_document(decision),
        actor=actor,
        now=now,
        head=ctx.chain_head,
    )
    after = None
    if decision.outcome == "assigned" and decision.producer_id is not None:
        after = _assign(conn, ctx, decision, decision.producer_id, decision_id, kind, now, staged)
    elif decision.outcome == "nurture":
        change_status_in_tx(
            conn,
            agency_id=agency_id,
            lead_id=lead.id,
            status=LeadStatus.NURTURE,
            reason=decision.reason,
            now=now,
        )
    else:
        already_waiting = lead.status == LeadStatus.QUEUED
        reason = _wait(conn, ctx, decision.reason, now)
        if not already_waiting:
            change_status_in_tx(
                conn,
                agency_id=agency_id,
                lead_id=lead.id,
                status=LeadStatus.QUEUED,
                reason=reason,
                now=now,
            )
            lead_events.on_queued(
                staged,
                lead=LeadView.of(lead, status=LeadStatus.QUEUED),
                agency_name=ctx.agency_name,
                reason=reason,
                now=now,
            )
    if outbox is None:
        staged.flush()
    return RouteResult(
        lead.id, decision.outcome, decision.producer_id, decision_id, decision.reason, after
    )


def _assign(
    conn: sa.Connection,
    ctx: RoutingContext,
    decision: Decision,
    producer_id: int,
    decision_id: int,
    kind: str,
    now: datetime,
    outbox: OutboxRepository,
) -> Any:
    """Open the assignment, count it, give the lead its owner; the lead's row after."""
    lead = ctx.input.lead
    # An offer when the policy asks for acceptance; per-lead timer steps carry over.
    opening = timer_state.opening(
        conn,
        lead_id=lead.id,
        kind=kind,
        now=now,
        acceptance=ctx.active.timing.acceptance,
        never_assigned=ctx.never_assigned,
    )
    AssignmentRepository(conn).add(
        {
            "agency_id": lead.agency_id,
            "lead_id": lead.id,
            "producer_id": producer_id,
            "license_id": decision.license_id,
            "decision_id": decision_id,
            "kind": kind,
            "started_at": now,
            "next_due_at": now,
            **opening,
        }
    )
    if decision.pool:
        _count_in_pool(conn, ctx, decision, decision.pool, producer_id)
    if lead.status == LeadStatus.QUEUED:
        repo.resolve_queue_entry(conn, lead_id=lead.id, now=now)
    after = _give_owner(conn, ctx, producer_id, f"{kind}: decision {decision_id}", now)
    winner = ctx.roster.by_id[producer_id]
    lead_events.on_assigned(
        outbox,
        lead=LeadView.of(lead, status=LeadStatus.ASSIGNED),
        agency_name=ctx.agency_name,
        producer=Person(winner.id, winner.name, winner.email),
        kind=kind,
        now=now,
        accept_by=opening["accept_by"],
    )
    return after


def _give_owner(
    conn: sa.Connection, ctx: RoutingContext, producer_id: int, reason: str, now: datetime
) -> Any:
    """The lead's owner and status ``assigned`` in one conditional update (the status this
    decision read must still hold); the row after, or None after the slower, checked path."""
    lead = ctx.input.lead
    store = LeadRepository(conn)
    if lead.status == LeadStatus.ASSIGNED or lifecycle.may_change(lead.status, LeadStatus.ASSIGNED):
        after = store.give_owner(
            lead.id,
            owner_id=producer_id,
            at=now,
            status=LeadStatus.ASSIGNED.value,
            expected=LeadStatus(lead.status).value,
        )
        if after is not None:
            if lead.status != LeadStatus.ASSIGNED:
                store.record_status(
                    agency_id=lead.agency_id,
                    lead_id=lead.id,
                    status=LeadStatus.ASSIGNED.value,
                    at=now,
                    reason=reason,
                )
            return after
    # The status moved since it was read (or may not move): the checked path, as before.
    conn.execute(
        leads.update()
        .where(leads.c.id == lead.id)
        .values(
            owner_id=producer_id,
            first_assigned_at=sa.func.coalesce(
                leads.c.first_assigned_at, sa.bindparam("first", now, UTCDateTime())
            ),
        )
    )
    if lead.status != LeadStatus.ASSIGNED:
        change_status_in_tx(
            conn,
            agency_id=lead.agency_id,
            lead_id=lead.id,
            status=LeadStatus.ASSIGNED,
            reason=reason,
            now=now,
        )
    return None


def _count_in_pool(
    conn: sa.Connection, ctx: RoutingContext, decision: Decision, pool: str, winner: int
) -> None:
    """One more lead for the winner in its rotation pool; first-seen members join at the floor."""
    counts = ctx.input.rotation.get(pool, {})
    members = {c.producer_id for c in decision.candidates if c.excluded_by is None} | {winner}
    floor = min(counts.values(), default=0)
    repo.seed_rotation(
        conn,
        agency_id=ctx.input.lead.agency_id,
        pool=pool,
        producer_ids=sorted(members - counts.keys()),
        count=floor,
    )
    repo.bump_rotation(conn, agency_id=ctx.input.lead.agency_id, pool=pool, producer_id=winner)


def end_assignment(conn: sa.Connection, *, lead_id: int, reason: str, now: datetime) -> int | None:
    """Close the lead's open assignment and free the producer's capacity; its producer id."""
    store = AssignmentRepository(conn)
    row = store.open_row(lead_id)
    if row is None:
        return None
    store.end(row.id, reason=reason, now=now)
    repo.release_capacity(conn, producer_id=row.producer_id)
    return int(row.producer_id)


def drain_queue_in_tx(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    now: datetime,
    limit: int = 200,
) -> list[RouteResult]:
    """Route waiting leads, highest priority and oldest first; those still stuck stay queued.

    A producer who declined a lead, or let its offer expire, is not offered it again.
    """
    lock_agency(conn, agency_id)
    return [
        route_lead_in_tx(
            conn,
            caches,
            agency_id=agency_id,
            lead_id=lead_id,
            now=now,
            kind="drain",
            only_if_assigned=True,
            exclude=timer_state.refused_by(conn, lead_id=lead_id),
        )
        for lead_id in repo.waiting_leads(conn, agency_id=agency_id, limit=limit)
    ]


def queue_could_drain(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    now: datetime,
    limit: int = 200,
) -> bool:
    """Whether any waiting lead would now be assigned (a read-only look before draining).

    The agency's side (roster, loads, rotation, policy) is read once for all waiting leads.
    """
    waiting = repo.waiting_leads(conn, agency_id=agency_id, limit=limit)
    if not waiting:
        return False
    agency = agency_state(conn, caches, agency_id=agency_id, now=now)
    for row in LeadRepository(conn).many(agency_id, waiting):
        ctx = context_for(conn, caches, lead=repo.lead_from_row(row), now=now, agency=agency)
        refused = timer_state.refused_by(conn, lead_id=row.id)
        if route(ctx.roster, ctx.input, ctx.policy, exclude=refused).outcome == "assigned":
            return True
    return False


def assign_manually_in_tx(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    actor: str,
    now: datetime,
) -> RouteResult:
    """Give the lead to a named producer; refused (409 NotLicensed) unless the gate allows it."""
    lock_agency(conn, agency_id)
    ctx = load_context(conn, caches, agency_id=agency_id, lead_id=lead_id, now=now)
    if producer_id not in ctx.roster.by_id:
        raise NotFound(f"producer {producer_id} does not exist")
    verdict = ctx.gate(producer_id)
    if not verdict.eligible:
        raise NotLicensed(f"producer {producer_id} may not take lead {lead_id}: {verdict.reason}")
    previous = end_assignment(
        conn, lead_id=lead_id, reason=f"manually reassigned by {actor}", now=now
    )
    decision = Decision(
        outcome="assigned",
        producer_id=producer_id,
        license_id=verdict.license_id,
        pool=None,
        strategy="manual",
        reason=None,
        steps=(
            f"manual assignment by {actor}",
            f"license gate: eligible (license {verdict.license_id})",
        ),
        candidates=(),
        policy_version=ctx.policy.version,
        tie_break=None,
    )
    result = _apply(conn, ctx, decision, kind="manual", actor=actor, now=now)
    if previous is not None and previous != producer_id:
        lead_events.reassigned(
            conn,
            agency_id=agency_id,
            lead_id=lead_id,
            from_producer=previous,
            to_producer=producer_id,
            reason=f"manual by {actor}",
            now=now,
        )
    return result


def assign_manually(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    actor: str,
    now: datetime,
) -> RouteResult:
    """Give the lead to a named producer, in its own transaction (see ``assign_manually_in_tx``)."""
    with uow:
        result = assign_manually_in_tx(
            uow.conn,
            caches,
            agency_id=agency_id,
            lead_id=lead_id,
            producer_id=producer_id,
            actor=actor,
            now=now,
        )
        uow.commit()
    return result


def route_lead(
    *, uow: UnitOfWork, caches: RoutingCaches, agency_id: int, lead_id: int, now: datetime
) -> RouteResult:
    """Route one stored lead in its own transaction."""
    with uow:
        result = route_lead_in_tx(uow.conn, caches, agency_id=agency_id, lead_id=lead_id, now=now)
        uow.commit()
    return result


def drain_queue(
    *, uow: UnitOfWork, caches: RoutingCaches, agency_id: int, now: datetime
) -> list[RouteResult]:
    """Drain the agency's queue in its own transaction, if anything waiting can now go.

    A read-only look comes first, so a queue nobody can take from costs no write lock.
    """
    with uow.reader() as look:
        if not queue_could_drain(look.conn, caches, agency_id=agency_id, now=now):
            return []
    with uow:
        results = drain_queue_in_tx(uow.conn, caches, agency_id=agency_id, now=now)
        uow.commit()
    return results


class RouteNewLead:
    """The intake hook: announce the new lead and route it, in the intake's transaction.

    Routing runs in a savepoint: should it fail, the lead is still stored (status ``new``)
    and the worker routes it on its next pass, so no lead is lost to a routing error. The
    announcements of both go out in one outbox write.
    """

    def __init__(self, caches: RoutingCaches) -> None:
        self._caches = caches

    def stored(
        self, uow: UnitOfWork, *, lead: Any, agency: AgencyInfo | None, now: datetime
    ) -> Any:
        """Announce and route the stored ``lead``; its row as routing left it (None: read it)."""
        lead_events.on_created(uow.outbox, lead=LeadView.of(lead), now=now)
        mark = uow.outbox.mark()
        after = lead
        try:
            with uow.conn.begin_nested():
                result = route_lead_in_tx(
                    uow.conn,
                    self._caches,
                    agency_id=lead.agency_id,
                    lead_id=lead.id,
                    now=now,
                    row=lead,
                    agency=agency,
                    outbox=uow.outbox,
                )
            after = result.lead_row
        except Exception:
            uow.outbox.discard_since(mark)
            log.exception("routing lead %s failed; it stays new for the worker to route", lead.id)
        uow.outbox.flush()
        return after


def after_intake(caches: RoutingCaches) -> RouteNewLead:
    """The intake hook that routes each new lead (see ``RouteNewLead``)."""
    return RouteNewLead(caches)


def route_stranded(
    *, uow: UnitOfWork, caches: RoutingCaches, now: datetime, limit: int = 100
) -> list[RouteResult]:
    """Route leads left ``new`` (their routing failed); each in its own transaction."""
    with uow.reader() as look:
        stranded = look.conn.execute(
            sa.select(leads.c.agency_id, leads.c.id)
            .where(leads.c.status == LeadStatus.NEW)
            .order_by(leads.c.id)
            .limit(limit)
        ).all()
    results = []
    for agency_id, lead_id in stranded:
        try:
            results.append(
                route_lead(uow=uow, caches=caches, agency_id=agency_id, lead_id=lead_id, now=now)
            )
        except Exception:
            log.exception("routing stranded lead %s failed again", lead_id)
    return results
