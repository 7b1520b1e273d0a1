"""The dial plan: whom a live call rings next, decided by the routing use case and its gate.

Each ring routes the call's lead with the producers who may not take a call right now
(presence, another live call, already tried) left out, so the license gate, the policy,
working hours and caps decide exactly as for any other lead. The policy's ``calls`` section
says whether one producer rings at a time (``sequential``) or up to ``ring_at_once`` at once
(``simultaneous``): the routing winner holds the lead while it rings, the others are the
strategy's next choices among the eligible, each checked by the gate; whoever answers first
takes the lead. Every dial attempt and its result is appended to the lead's decision chain
(``call_dial``); nothing in it is ever updated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing import eligible_producers, route
from leadrouter.intake.documents import iso
from leadrouter.notify.messages import enqueue_sms
from leadrouter.policy.schema import Calls
from leadrouter.services.routing.apply import apply_decision
from leadrouter.services.routing.context import RoutingCaches, RoutingContext, load_context
from leadrouter.services.routing.route import end_assignment
from leadrouter.services.timers import state as ts
from leadrouter.store import calls_repo
from leadrouter.store import routing_repo as repo
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.audit import append_to_chain
from leadrouter.store.outbox import OutboxRepository


@dataclass(frozen=True)
class Target:
    """One producer's phone in a ring."""

    producer_id: int
    phone: str


@dataclass(frozen=True)
class Dial:
    """Ring these producers' phones (one, or several at once), for ``timeout`` seconds."""

    targets: tuple[Target, ...]
    attempt: int
    timeout: int


@dataclass(frozen=True)
class Fallback:
    """Nobody may or can take the call: message, voicemail, callback."""

    reason: str


def record_attempt(
    conn: sa.Connection,
    *,
    call: Any,
    producer_id: int | None,
    outcome: str,
    policy_version: int,
    detail: dict[str, Any],
    now: datetime,
    head: tuple[int, str] | None = None,
) -> tuple[int, str]:
    """Append one dial step of the call to the lead's decision chain; the chain's head after
    it. ``head`` is the chain's head when the caller knows it (read or written under the
    agency's lock in this transaction), else it is read."""
    return append_to_chain(
        conn,
        head=head,
        agency_id=call.agency_id,
        lead_id=call.lead_id,
        kind="call_dial",
        outcome=outcome[:20],
        producer_id=producer_id,
        policy_version=policy_version,
        explanation={
            "call_sid": call.call_sid,
            "attempt": call.rings,
            "tried": list(call.tried),
            "line": call.line,
            "at": iso(now),
            **detail,
        },
        actor="telephony",
        now=now,
    )[1]


def calls_policy(
    conn: sa.Connection, deps: RoutingCaches, agency_id: int, *, version: int | None = None
) -> Calls:
    """The ``calls`` section of the agency's policy in force (``version``: when the caller
    read which one it is already)."""
    return deps.policies.active(conn, agency_id, version=version).document.calls


def next_dial(
    conn: sa.Connection,
    deps: RoutingCaches,
    *,
    call: Any,
    now: datetime,
    lead: Any = None,
    agency: AgencyInfo | None = None,
    outbox: OutboxRepository | None = None,
) -> Dial | Fallback:
    """Whom the call rings next, or the fallback when nobody eligible is left. ``lead`` and
    ``agency`` are the call's lead row and agency when the caller read them in this
    transaction; ``outbox`` collects the routing's messages for the caller to flush. The
    caller holds the agency's routing lock (``lock_agency``), as every routing step does."""
    agency_id, lead_id = call.agency_id, call.lead_id
    unavailable = calls_repo.not_dialable(conn, agency_id, but=call.id)
    for pid in call.tried:
        unavailable[int(pid)] = "already dialed on this call"
    exclude = frozenset(unavailable)
    if lead is None:
        lead = repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    # One read of the roster, loads and policy serves the owner check, the routing decision,
    # the simultaneous ring's other choices and the dial records.
    ctx = load_context(
        conn, deps, agency_id=agency_id, lead_id=lead_id, now=now, row=lead, agency=agency
    )
    plan = ctx.active.document.calls
    owner = lead.owner_id
    producer_id: int | None = None
    head = ctx.chain_head
    # The lead's owner (an existing client's producer, an earlier router pick) rings first,
    # and alone: the lead is theirs while they may take it.
    if (
        owner is not None
        and owner not in exclude
        and ctx.gate(owner).eligible
        and owner in eligible_producers(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
    ):
        producer_id = int(owner)
    group: list[int] = []
    if producer_id is None:
        if owner is not None:
            end_assignment(conn, lead_id=lead_id, reason="not reachable for a live call", now=now)
        decision = route(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
        result = apply_decision(
            conn, ctx, decision, kind="call", actor=None, now=now, outbox=outbox
        )
        producer_id = result.producer_id if result.outcome == "assigned" else None
        head = result.chain_head
        if producer_id is None:
            reason = result.reason or "no eligible producer is available for a live call"
            record_attempt(
                conn,
                call=call,
                producer_id=None,
                outcome="fallback",
                policy_version=ctx.policy.version,
                detail={"reason": reason, "not_dialed": _named(unavailable)},
                now=now,
                head=head,
            )
            return Fallback(reason)
        if plan.ring == "simultaneous":
            group = _also_ring(ctx, exclude | {producer_id}, plan.ring_at_once - 1)
    return _ring(conn, ctx, call, [producer_id, *group], plan, unavailable, now, head)


def _also_ring(ctx: RoutingContext, exclude: frozenset[int], room: int) -> list[int]:
    """The strategy's next choices among the eligible (each through the gate), in order."""
    chosen: list[int] = []
    while len(chosen) < room:
        decision = route(ctx.roster, ctx.input, ctx.policy, exclude=exclude | set(chosen))
        pid = decision.producer_id
        if decision.outcome != "assigned" or pid is None or not ctx.gate(pid).eligible:
            break
        chosen.append(pid)
    return chosen


def _ring(
    conn: sa.Connection,
    ctx: RoutingContext,
    call: Any,
    group: list[int],
    plan: Calls,
    unavailable: dict[int, str],
    now: datetime,
    head: tuple[int, str] | None,
) -> Dial:
    by_id = ctx.roster.by_id
    tried = [*call.tried, *group]
    rings = call.rings + 1
    calls_repo.change(
        conn,
        call.id,
        status="dialing",
        producer_id=group[0],
        ringing=group,
        tried=tried,
        rings=rings,
        lead_id=call.lead_id,  # a new call's lead and line are written here, in one change
        line=call.line,
        updated_at=now,
    )
    ringing = dataclasses.replace(_Row.of(call), rings=rings)
    for pid in group:
        verdict = ctx.gate(pid)
        head = record_attempt(
            conn,
            call=ringing,
            producer_id=pid,
            outcome="dialing",
            policy_version=ctx.policy.version,
            detail={
                "license_id": verdict.license_id,
                "gate": "eligible" if verdict.eligible else verdict.reason,
                "ring": plan.ring,
                "ringing_with": [p for p in group if p != pid],
                "holds_lead": pid == group[0],
                "timeout_seconds": plan.dial_timeout_seconds,
                "not_dialed": _named(unavailable),
            },
            now=now,
            head=head,
        )
    targets = tuple(Target(pid, by_id[pid].phone or "") for pid in group)
    return Dial(targets, rings, plan.dial_timeout_seconds)


@dataclass(frozen=True)
class _Row:
    """The fields of a call row that a dial record reads."""

    agency_id: int
    lead_id: int
    call_sid: str
    tried: list[int]
    rings: int
    line: Any

    @classmethod
    def of(cls, call: Any) -> _Row:
        return cls(
            call.agency_id, call.lead_id, call.call_sid, list(call.tried), call.rings, call.line
        )


def _named(unavailable: dict[int, str]) -> dict[str, str]:
    return {str(pid): why for pid, why in sorted(unavailable.items())}


def acknowledge_missed_call(
    conn: sa.Connection, deps: RoutingCaches, *, call: Any, agency_name: str, now: datetime
) -> bool:
    """Text the caller that a licensed agent will call back, within contact hours only."""
    lead = repo.get_lead_row(conn, agency_id=call.agency_id, lead_id=call.lead_id)
    if lead.do_not_contact or not lead.phone:
        return False
    rules = ts.rules_for(conn, deps, call.agency_id)
    zone = lead.timezone or "America/New_York"
    if not rules.contact_hours.is_open(now, zone):
        return False
    enqueue_sms(
        conn,
        agency_id=call.agency_id,
        event="call.missed",
        to=lead.phone,
        template="call_missed",
        context={"agency_name": agency_name},
        now=now,
        consumer_lead_id=lead.id,
        dedupe_key=f"call.missed:{call.call_sid}",
    )
    return True
