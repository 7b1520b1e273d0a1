"""Carrying out a routing decision: every write of it, in the caller's transaction.

Owner, capacity counts, rotation counter, the audit record and the outbox rows change
together or not at all. Capacity is claimed with conditional updates; the owner and status
``assigned`` are set by one update that holds only if the status the decision read still
holds (``RETURNING`` gives the row back, so nobody reads it again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.routing import Decision, decision_document
from leadrouter.domain.scoring import QUEUE_PRIORITY
from leadrouter.domain.timer_policy import ContactHours
from leadrouter.errors import Conflict, NotLicensed
from leadrouter.intake import lifecycle
from leadrouter.services.leads.intake import change_status_in_tx
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing.announcements import LeadView, Person
from leadrouter.services.routing.context import RoutingContext
from leadrouter.services.timers import state as timer_state
from leadrouter.store import routing_repo as repo
from leadrouter.store.assigned_writes import (
    AssignedWrites,
    Claim,
    OwnerChange,
    Rotation,
    write_assigned,
)
from leadrouter.store.assignments import AssignmentRepository
from leadrouter.store.audit import append_to_chain, chain_head, decision_record, head_of
from leadrouter.store.leads import LeadRepository, StatusRows
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import leads
from leadrouter.store.types import UTCDateTime


@dataclass(frozen=True)
class RouteResult:
    lead_id: int
    outcome: str  # assigned | queued | nurture | unchanged
    producer_id: int | None
    decision_id: int | None
    reason: str | None
    # The lead's row as the decision left it, when the decision wrote it (RETURNING).
    lead_row: Any = field(default=None, compare=False, repr=False)
    # The agency's decision chain after this decision's record (seq, hash): a caller that
    # appends again in the same transaction need not read it back.
    chain_head: tuple[int, str] | None = field(default=None, compare=False, repr=False)


def queue_reason(reason: str | None) -> str:
    """The reason a waiting lead shows for a decision that queued it."""
    return reason or "no eligible producer"


def wait_in_queue(
    conn: sa.Connection, ctx: RoutingContext, reason: str | None, now: datetime
) -> str:
    """Put the lead in (or keep it in) the queue with its reason; the reason given."""
    lead = ctx.input.lead
    reason = queue_reason(reason)
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


def apply_decision(
    conn: sa.Connection,
    ctx: RoutingContext,
    decision: Decision,
    *,
    kind: str,
    actor: str | None,
    now: datetime,
    outbox: OutboxRepository | None = None,
    history: StatusRows | None = None,
) -> RouteResult:
    """Carry out a decision in the caller's transaction: claim, audit record, assignment,
    rotation, owner and status, or the queue or nurture; the messages onto ``outbox`` (for
    the caller to flush) or written before returning. Status rows staged on ``history``
    (the lead's first) are written with an assigned decision's, else before any other."""
    lead = ctx.input.lead
    agency_id = lead.agency_id
    staged = outbox if outbox is not None else OutboxRepository(conn)
    if decision.outcome == "assigned" and decision.producer_id is not None:
        # A guard, not a second opinion: every path that builds an "assigned" decision has
        # checked the gate on this same snapshot; this keeps a future one from skipping it.
        verdict = ctx.gate(decision.producer_id)
        if not verdict.eligible:
            raise NotLicensed(f"gate refused producer {decision.producer_id}: {verdict.reason}")
    record: dict[str, Any] = dict(
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
    after = None
    if decision.outcome == "assigned" and decision.producer_id is not None:
        head = ctx.chain_head if ctx.chain_head is not None else chain_head(conn, agency_id)
        hashed = decision_record(conn, **record, head=head)
        decision_id, after = _assign(
            conn, ctx, decision, decision.producer_id, hashed, kind, now, staged, history
        )
        head = head_of(hashed)
    else:
        if history is not None:
            history.flush()
        decision_id, head = append_to_chain(conn, **record, head=ctx.chain_head)
    if decision.outcome == "nurture":
        change_status_in_tx(
            conn,
            agency_id=agency_id,
            lead_id=lead.id,
            status=LeadStatus.NURTURE,
            reason=decision.reason,
            now=now,
        )
    elif decision.outcome != "assigned":
        already_waiting = lead.status == LeadStatus.QUEUED
        reason = wait_in_queue(conn, ctx, decision.reason, now)
        if lead.owner_id is not None and AssignmentRepository(conn).open_row(lead.id) is None:
            # Its last offer or assignment ended and nobody took it: it waits for anyone.
            LeadRepository(conn).drop_owner(lead.id)
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
                contact_hours=_texting_hours(conn, ctx),
                agency_tz=ctx.input.agency_tz,
            )
    if outbox is None:
        staged.flush()
    return RouteResult(
        lead.id, decision.outcome, decision.producer_id, decision_id, decision.reason, after, head
    )


def _texting_hours(conn: sa.Connection, ctx: RoutingContext) -> ContactHours | None:
    """The contact hours a phone-only consumer's acknowledgement is texted within; None when
    it is not to be texted (an email goes instead, or the number opted out on any lead)."""
    lead = ctx.input.lead
    if lead.email or not lead.phone or lead.do_not_contact:
        return None
    if LeadRepository(conn).phone_opted_out(lead.agency_id, lead.phone):
        return None
    return ctx.active.timing.contact_hours


def _assign(
    conn: sa.Connection,
    ctx: RoutingContext,
    decision: Decision,
    producer_id: int,
    record: dict[str, Any],
    kind: str,
    now: datetime,
    outbox: OutboxRepository,
    history: StatusRows | None = None,
) -> tuple[int, Any]:
    """Claim the producer's capacity, write the audit ``record``, open the assignment, count
    it, give the lead its owner; the record's id and the lead's row after (None after the
    slower, checked path). A refused claim is a Conflict (the caller abandons the
    transaction)."""
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
    prefix = f"{kind}: decision "
    # The owner and status ``assigned`` in one conditional update (the status this decision
    # read must still hold), written with the rest; else the checked path below.
    fast = lead.status == LeadStatus.ASSIGNED or lifecycle.may_change(
        lead.status, LeadStatus.ASSIGNED
    )
    # The announcements go out with the writes, in their statement: what the caller staged
    # before (the lead's creation), then the producer's news.
    earlier = outbox.take_rows()
    first = history.take() if history is not None else []  # the lead's first status row
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
    writes = AssignedWrites(
        record=record,
        assignment={
            "agency_id": lead.agency_id,
            "lead_id": lead.id,
            "producer_id": producer_id,
            "license_id": decision.license_id,
            "kind": kind,
            "started_at": now,
            "next_due_at": now,
            **opening,
        },
        rotation=_rotation(ctx, decision, decision.pool, producer_id) if decision.pool else None,
        owner=OwnerChange(
            lead_id=lead.id,
            agency_id=lead.agency_id,
            owner_id=producer_id,
            status=LeadStatus.ASSIGNED.value,
            expected=LeadStatus(lead.status).value,
            at=now,
            reason_prefix=prefix,
        )
        if fast
        else None,
        claim=Claim(producer_id=producer_id, today=ctx.today, agency_id=lead.agency_id),
        outbox=[*earlier, *outbox.take_rows()],
        history=first,
    )
    written = write_assigned(conn, writes)
    if written is None:
        outbox.put_back(earlier)
        if history is not None:
            history.put_back(first)
        raise Conflict(f"producer {producer_id} reached a cap during the decision")
    decision_id, after = written
    if lead.status == LeadStatus.QUEUED:
        repo.resolve_queue_entry(conn, lead_id=lead.id, now=now)
    if after is None:
        _give_owner_checked(conn, ctx, producer_id, f"{prefix}{decision_id}", now)
    return decision_id, after


def _give_owner_checked(
    conn: sa.Connection, ctx: RoutingContext, producer_id: int, reason: str, now: datetime
) -> None:
    """The owner, and status ``assigned`` through the lifecycle's check: for a status that
    moved since the decision read it (or may not move)."""
    lead = ctx.input.lead
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


def _rotation(ctx: RoutingContext, decision: Decision, pool: str, winner: int) -> Rotation:
    """One more lead for the winner in its rotation pool; first-seen members join at the floor."""
    counts = ctx.input.rotation.get(pool, {})
    if counts.keys() >= ctx.roster.by_id.keys():
        seeds: list[int] = []  # the pool counts everyone already: no candidate notes to build
    else:
        members = {c.producer_id for c in decision.candidates if c.excluded_by is None}
        seeds = sorted((members | {winner}) - counts.keys())
    return Rotation(
        agency_id=ctx.input.lead.agency_id,
        pool=pool,
        winner=winner,
        seeds=seeds,
        floor=min(counts.values(), default=0),
    )


def named_decision(
    ctx: RoutingContext, producer_id: int, license_id: int | None, strategy: str, why: str
) -> Decision:
    """The decision to give the lead to a producer named outside any strategy (a manual
    assignment, the phone that answered) whom the gate allowed under ``license_id``; ``why``
    is its first step."""
    return Decision(
        outcome="assigned",
        producer_id=producer_id,
        license_id=license_id,
        pool=None,
        strategy=strategy,
        reason=None,
        steps=(why, f"license gate: eligible (license {license_id})"),
        candidates=(),
        policy_version=ctx.policy.version,
        tie_break=None,
    )


def end_assignment(conn: sa.Connection, *, lead_id: int, reason: str, now: datetime) -> int | None:
    """Close the lead's open assignment and free the producer's capacity; its producer id."""
    store = AssignmentRepository(conn)
    row = store.open_row(lead_id)
    if row is None:
        return None
    store.end(row.id, reason=reason, now=now)
    repo.release_capacity(conn, producer_id=row.producer_id)
    return int(row.producer_id)
