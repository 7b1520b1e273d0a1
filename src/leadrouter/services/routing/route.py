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

from leadrouter.bootstrap import Container
from leadrouter.domain.model import LeadStatus
from leadrouter.domain.routing import Decision, decision_document, eligible_producers, route
from leadrouter.domain.scoring import QUEUE_PRIORITY
from leadrouter.errors import Conflict, NotFound, NotLicensed
from leadrouter.services.leads.intake import AfterStore, change_status_in
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing.announcements import LeadView, Person
from leadrouter.services.routing.context import (
    RoutingContext,
    RoutingDeps,
    agency_state,
    context_for,
    load_context,
)
from leadrouter.services.timers import state as timer_state
from leadrouter.store import routing_repo as repo
from leadrouter.store.audit import append_decision
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import assignments, leads
from leadrouter.store.types import UTCDateTime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteResult:
    lead_id: int
    outcome: str  # assigned | queued | nurture | unchanged
    producer_id: int | None
    decision_id: int | None
    reason: str | None


def route_lead_in_tx(
    conn: sa.Connection,
    deps: RoutingDeps,
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
) -> RouteResult:
    """Route one lead inside the caller's transaction (which the caller commits).

    With ``only_if_assigned`` (queue draining) a lead that still finds nobody stays as it is:
    no new audit record, only its queue reason refreshed. ``exclude`` leaves producers out of
    the decision (earlier owners); ``prefer`` (an owner's backup) wins when it is eligible.
    """
    lock_agency(conn, agency_id)
    ctx = load_context(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now, row=row)
    decision = route(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
    if prefer is not None and decision.outcome != "nurture":
        decision = _prefer(ctx, decision, prefer, exclude)
    if only_if_assigned and decision.outcome != "assigned":
        if decision.outcome == "queued" and ctx.input.lead.status == LeadStatus.QUEUED:
            _wait(conn, ctx, decision.reason, now)
        return RouteResult(lead_id, "unchanged", None, None, decision.reason)
    return _apply(conn, ctx, decision, kind=kind, actor=actor, now=now)


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


def _with_prediction(document: dict[str, Any], ctx: RoutingContext) -> dict[str, Any]:
    """The decision's explanation plus the model's prediction for the lead, when there is one."""
    if ctx.input.prediction is None:
        return document
    return {**document, "prediction": dict(ctx.input.prediction)}


def _apply(
    conn: sa.Connection,
    ctx: RoutingContext,
    decision: Decision,
    *,
    kind: str,
    actor: str | None,
    now: datetime,
) -> RouteResult:
    lead = ctx.input.lead
    agency_id = lead.agency_id
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
        explanation=_with_prediction(decision_document(decision), ctx),
        actor=actor,
        now=now,
    )
    if decision.outcome == "assigned" and decision.producer_id is not None:
        # An offer when the policy asks for acceptance; per-lead timer steps carry over.
        opening = timer_state.opening(
            conn,
            lead_id=lead.id,
            kind=kind,
            now=now,
            acceptance=ctx.active.timing.acceptance,
        )
        conn.execute(
            assignments.insert().values(
                agency_id=agency_id,
                lead_id=lead.id,
                producer_id=decision.producer_id,
                license_id=decision.license_id,
                decision_id=decision_id,
                kind=kind,
                started_at=now,
                next_due_at=now,
                **opening,
            )
        )
        if decision.pool:
            _count_in_pool(conn, ctx, decision, decision.pool, decision.producer_id)
        if lead.status == LeadStatus.QUEUED:
            repo.resolve_queue_entry(conn, lead_id=lead.id, now=now)
        conn.execute(
            leads.update()
            .where(leads.c.id == lead.id)
            .values(
                owner_id=decision.producer_id,
                first_assigned_at=sa.func.coalesce(
                    leads.c.first_assigned_at, sa.bindparam("first", now, UTCDateTime())
                ),
            )
        )
        if lead.status != LeadStatus.ASSIGNED:
            change_status_in(
                conn,
                agency_id=agency_id,
                lead_id=lead.id,
                status=LeadStatus.ASSIGNED,
                reason=f"{kind}: decision {decision_id}",
                now=now,
            )
        winner = ctx.roster.by_id[decision.producer_id]
        lead_events.on_assigned(
            conn,
            lead=LeadView.of(lead, status=LeadStatus.ASSIGNED),
            agency_name=ctx.agency_name,
            producer=Person(winner.id, winner.name, winner.email),
            kind=kind,
            now=now,
            accept_by=opening["accept_by"],
        )
    elif decision.outcome == "nurture":
        change_status_in(
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
            change_status_in(
                conn,
                agency_id=agency_id,
                lead_id=lead.id,
                status=LeadStatus.QUEUED,
                reason=reason,
                now=now,
            )
            lead_events.on_queued(
                conn,
                lead=LeadView.of(lead, status=LeadStatus.QUEUED),
                agency_name=ctx.agency_name,
                reason=reason,
                now=now,
            )
    return RouteResult(
        lead.id, decision.outcome, decision.producer_id, decision_id, decision.reason
    )


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
    row = repo.open_assignment_row(conn, lead_id=lead_id)
    if row is None:
        return None
    conn.execute(
        assignments.update()
        .where(assignments.c.id == row.id)
        .values(ended_at=now, end_reason=reason, state="ended", next_due_at=None)
    )
    repo.release_capacity(conn, producer_id=row.producer_id)
    return int(row.producer_id)


def drain_queue(
    conn: sa.Connection, deps: RoutingDeps, *, agency_id: int, now: datetime, limit: int = 200
) -> list[RouteResult]:
    """Route waiting leads, highest priority and oldest first; those still stuck stay queued.

    A producer who declined a lead, or let its offer expire, is not offered it again.
    """
    lock_agency(conn, agency_id)
    return [
        route_lead_in_tx(
            conn,
            deps,
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
    conn: sa.Connection, deps: RoutingDeps, *, agency_id: int, now: datetime, limit: int = 200
) -> bool:
    """Whether any waiting lead would now be assigned (a read-only look before draining).

    The agency's side (roster, loads, rotation, policy) is read once for all waiting leads.
    """
    waiting = repo.waiting_leads(conn, agency_id=agency_id, limit=limit)
    if not waiting:
        return False
    agency = agency_state(conn, deps, agency_id=agency_id, now=now)
    for row in repo.lead_rows(conn, agency_id=agency_id, lead_ids=waiting):
        ctx = context_for(conn, deps, lead=repo.lead_from_row(row), now=now, agency=agency)
        refused = timer_state.refused_by(conn, lead_id=row.id)
        if route(ctx.roster, ctx.input, ctx.policy, exclude=refused).outcome == "assigned":
            return True
    return False


def assign_manually(
    conn: sa.Connection,
    deps: RoutingDeps,
    *,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    actor: str,
    now: datetime,
) -> RouteResult:
    """Give the lead to a named producer; refused (409 NotLicensed) unless the gate allows it."""
    lock_agency(conn, agency_id)
    ctx = load_context(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now)
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


def assign_lead_manually(
    *, container: Container, agency_id: int, lead_id: int, producer_id: int, actor: str
) -> RouteResult:
    """``assign_manually`` in its own transaction."""
    with container.uow() as uow:
        result = assign_manually(
            uow.conn,
            container.routing,
            agency_id=agency_id,
            lead_id=lead_id,
            producer_id=producer_id,
            actor=actor,
            now=container.clock.now(),
        )
        uow.commit()
    return result


def route_lead(*, container: Container, agency_id: int, lead_id: int) -> RouteResult:
    """Route one stored lead in its own transaction."""
    with container.uow() as uow:
        result = route_lead_in_tx(
            uow.conn,
            container.routing,
            agency_id=agency_id,
            lead_id=lead_id,
            now=container.clock.now(),
        )
        uow.commit()
    return result


def drain(*, container: Container, agency_id: int) -> list[RouteResult]:
    """Drain the agency's queue in its own transaction, if anything waiting can now go."""
    now = container.clock.now()
    with container.uow(readonly=True) as uow:
        if not queue_could_drain(uow.conn, container.routing, agency_id=agency_id, now=now):
            return []
    with container.uow() as uow:
        results = drain_queue(uow.conn, container.routing, agency_id=agency_id, now=now)
        uow.commit()
    return results


def after_intake(deps: RoutingDeps) -> AfterStore:
    """The intake hook: announce the new lead and route it, in the intake's transaction.

    Routing runs in a savepoint: should it fail, the lead is still stored (status ``new``)
    and the worker routes it on its next pass, so no lead is lost to a routing error.
    """

    def hook(conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime) -> None:
        row = repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
        lead_events.on_created(conn, lead=LeadView.of(row), now=now)
        try:
            with conn.begin_nested():
                route_lead_in_tx(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now, row=row)
        except Exception:
            log.exception("routing lead %s failed; it stays new for the worker to route", lead_id)

    return hook


def route_stranded(*, container: Container, limit: int = 100) -> list[RouteResult]:
    """Route leads left ``new`` (their routing failed); each in its own transaction."""
    with container.uow(readonly=True) as uow:
        stranded = uow.conn.execute(
            sa.select(leads.c.agency_id, leads.c.id)
            .where(leads.c.status == LeadStatus.NEW)
            .order_by(leads.c.id)
            .limit(limit)
        ).all()
    results = []
    for agency_id, lead_id in stranded:
        try:
            results.append(route_lead(container=container, agency_id=agency_id, lead_id=lead_id))
        except Exception:
            log.exception("routing stranded lead %s failed again", lead_id)
    return results
