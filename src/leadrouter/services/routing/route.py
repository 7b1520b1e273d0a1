"""Give a lead to exactly one licensed producer, or queue it with a reason: one transaction.

Owner, capacity counts, rotation counter, the audit record and the outbox rows change
together or not at all (their writes: ``apply``). The agency's routing lock (an advisory
lock on PostgreSQL, the database lock on SQLite) serializes decisions of one agency, so
counts read for a decision are still true when it commits; the open-lead cap is also
claimed with a conditional update, and a partial unique index refuses a second open
assignment for a lead.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.routing import Decision, eligible_producers, route
from leadrouter.errors import NotFound, NotLicensed
from leadrouter.services.leads.intake import StoreAgain
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing.announcements import LeadView
from leadrouter.services.routing.apply import (
    RouteResult,
    apply_decision,
    end_assignment,
    named_decision,
    wait_in_queue,
)
from leadrouter.services.routing.context import (
    RoutingCaches,
    RoutingContext,
    load_context,
)
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.leads import LeadRepository, StatusRows
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork

__all__ = [
    "RouteNewLead",
    "RouteResult",
    "after_intake",
    "assign_manually",
    "assign_manually_in_tx",
    "end_assignment",
    "route_lead",
    "route_lead_in_tx",
    "route_stranded",
]

log = logging.getLogger(__name__)


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
    new_lead: bool = False,
    history: StatusRows | None = None,
) -> RouteResult:
    """Route one lead inside the caller's transaction (which the caller commits).

    With ``only_if_assigned`` (queue draining) a lead that still finds nobody stays as it is:
    no new audit record, only its queue reason refreshed. ``exclude`` leaves producers out of
    the decision (earlier owners); ``prefer`` (an owner's backup) wins when it is eligible.
    ``row`` and ``agency`` are the lead and agency when the caller read them in this
    transaction; ``outbox`` collects the messages for the caller to flush (else they are
    written before returning). ``new_lead``: the lead is one this transaction stored (its
    ``row`` given; no other transaction sees it), so the agency's routing lock is taken by
    the read of the agency's state, not before the lead is read: one round trip fewer with
    the lock held. ``history`` holds the lead's status rows staged before (its first):
    written with the decision's own, or before it.
    """
    if not new_lead:
        lock_agency(conn, agency_id)
    ctx = load_context(
        conn,
        caches,
        agency_id=agency_id,
        lead_id=lead_id,
        now=now,
        row=row,
        agency=agency,
        lock=new_lead,
    )
    decision = route(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
    if prefer is not None and decision.outcome != "nurture":
        decision = _prefer(ctx, decision, prefer, exclude)
    elif ctx.related_lead_id is not None and decision.outcome != "nurture":
        decision = _prefer_related_owner(conn, ctx, decision, exclude)
    if only_if_assigned and decision.outcome != "assigned":
        if decision.outcome == "queued" and ctx.input.lead.status == LeadStatus.QUEUED:
            wait_in_queue(conn, ctx, decision.reason, now)
        return RouteResult(lead_id, "unchanged", None, None, decision.reason)
    return apply_decision(
        conn, ctx, decision, kind=kind, actor=actor, now=now, outbox=outbox, history=history
    )


def _prefer(
    ctx: RoutingContext,
    decision: Decision,
    prefer: int,
    exclude: frozenset[int],
    *,
    strategy: str = "backup of the previous owner",
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
        strategy=strategy,
        tie_break=None,
        steps=(*decision.steps, f"backup: producer {prefer} is eligible and takes the lead"),
    )


def _prefer_related_owner(
    conn: sa.Connection, ctx: RoutingContext, decision: Decision, exclude: frozenset[int]
) -> Decision:
    """The routing hint of a lead for another line: the owner of the consumer's earlier lead
    takes it when the license gate (for this line and state), availability and caps allow;
    either way the explanation says what the hint did."""
    related = ctx.related_lead_id
    assert related is not None
    earlier = LeadRepository(conn).find(ctx.input.lead.agency_id, related)
    owner = None if earlier is None or earlier.owner_id is None else int(earlier.owner_id)
    hint = f"related lead {related}"
    if owner is None:
        note = f"{hint}: nobody owns it; the policy decides"
        return dataclasses.replace(decision, steps=(note, *decision.steps))
    who = ctx.roster.by_id[owner].name if owner in ctx.roster.by_id else f"producer {owner}"
    hint = f"{hint}: its owner {who} (#{owner}) is preferred"
    if decision.outcome == "assigned" and decision.producer_id == owner:
        return dataclasses.replace(decision, steps=(*decision.steps, f"{hint} and was chosen"))
    preferred = _prefer(ctx, decision, owner, exclude, strategy="owner of the related lead")
    if preferred is not decision:
        steps = (*decision.steps, f"{hint} and takes the lead")
        return dataclasses.replace(preferred, steps=steps)
    verdict = ctx.gate(owner)
    if owner in exclude:
        why = "excluded from this decision"
    elif not verdict.eligible:
        why = f"license gate: {verdict.reason}"
    else:
        why = "not available now (hours, out of office or caps)"
    return dataclasses.replace(decision, steps=(*decision.steps, f"{hint}, but {why}"))


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
    why = f"manual assignment by {actor}"
    decision = named_decision(ctx, producer_id, verdict.license_id, "manual", why)
    result = apply_decision(conn, ctx, decision, kind="manual", actor=actor, now=now)
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


class RouteNewLead:
    """The intake hook: announce the new lead and route it, in the intake's transaction.

    Should routing fail, the hook asks intake to take the lead in again without routing
    (``StoreAgain``): the transaction is rolled back and the lead stored, announced and left
    ``new`` in a fresh one, for the worker to route on its next pass, so no lead is lost to
    a routing error and the common path needs no savepoint. The announcements of both go
    out in one outbox write.
    """

    def __init__(self, caches: RoutingCaches, *, route: bool = True) -> None:
        self._caches = caches
        self._route = route
        # Intake stages the lead's first status row, to be written with the decision's.
        self.routes = route

    def stored(
        self, uow: UnitOfWork, *, lead: Any, agency: AgencyInfo | None, now: datetime
    ) -> Any:
        """Announce and route the stored ``lead``; its row as routing left it (None: read it)."""
        if agency is not None and agency.webhooks_version is not None:
            # The agency's endpoints from this process's cache (by version), before routing:
            # the announcements may be written with the decision's own statement.
            uow.outbox.know(
                {
                    lead.agency_id: self._caches.webhooks.endpoints(
                        uow.conn, lead.agency_id, agency.webhooks_version
                    )
                }
            )
        lead_events.on_created(uow.outbox, lead=LeadView.of(lead), now=now)
        after = lead
        if self._route:
            try:
                result = route_lead_in_tx(
                    uow.conn,
                    self._caches,
                    agency_id=lead.agency_id,
                    lead_id=lead.id,
                    now=now,
                    row=lead,
                    agency=agency,
                    outbox=uow.outbox,
                    new_lead=True,
                    history=uow.history,
                )
            except Exception as exc:
                log.exception(
                    "routing a new lead failed; it is stored again, unrouted, for the worker"
                )
                raise StoreAgain(RouteNewLead(self._caches, route=False)) from exc
            after = result.lead_row
        uow.history.flush()
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
