"""The dial plan: whom a live call rings next, decided by the routing use case and its gate.

Each step routes the call's lead with the producers who may not take a call right now
(presence, another live call, already tried) left out, so the license gate, the policy,
working hours and caps decide exactly as for any other lead. Every attempt and its result is
appended to the lead's decision chain (``call_dial``); nothing in it is ever updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing import eligible_producers
from leadrouter.intake.documents import iso
from leadrouter.notify.messages import enqueue_sms
from leadrouter.services.calls.presence import unavailable_for_calls
from leadrouter.services.routing.context import RoutingCaches, load_context
from leadrouter.services.routing.route import end_assignment, route_lead_in_tx
from leadrouter.services.timers import state as ts
from leadrouter.store import routing_repo as repo
from leadrouter.store.audit import append_decision
from leadrouter.store.tables import calls, producers


@dataclass(frozen=True)
class Dial:
    """Ring this producer's phone."""

    producer_id: int
    phone: str
    attempt: int


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
) -> None:
    """Append one dial step of the call to the lead's decision chain."""
    append_decision(
        conn,
        agency_id=call.agency_id,
        lead_id=call.lead_id,
        kind="call_dial",
        outcome=outcome[:20],
        producer_id=producer_id,
        policy_version=policy_version,
        explanation={
            "call_sid": call.call_sid,
            "attempt": len(call.tried) + (1 if outcome == "dialing" else 0),
            "tried": list(call.tried),
            "at": iso(now),
            **detail,
        },
        actor="telephony",
        now=now,
    )


def next_dial(
    conn: sa.Connection, deps: RoutingCaches, *, call: Any, now: datetime
) -> Dial | Fallback:
    """Whom the call rings next, or the fallback when nobody eligible is left."""
    agency_id, lead_id = call.agency_id, call.lead_id
    unavailable = unavailable_for_calls(conn, agency_id=agency_id, call_id=call.id)
    for pid in call.tried:
        unavailable[int(pid)] = "already dialed on this call"
    exclude = frozenset(unavailable)
    lead = repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    ctx = load_context(conn, deps, agency_id=agency_id, lead_id=lead_id, now=now, row=lead)
    owner = lead.owner_id
    producer_id: int | None = None
    # The lead's owner (an existing client's producer, an earlier router pick) rings first.
    if (
        owner is not None
        and owner not in exclude
        and ctx.gate(owner).eligible
        and owner in eligible_producers(ctx.roster, ctx.input, ctx.policy, exclude=exclude)
    ):
        producer_id = int(owner)
    if producer_id is None:
        if owner is not None:
            end_assignment(conn, lead_id=lead_id, reason="not reachable for a live call", now=now)
        result = route_lead_in_tx(
            conn, deps, agency_id=agency_id, lead_id=lead_id, now=now, kind="call", exclude=exclude
        )
        producer_id = result.producer_id if result.outcome == "assigned" else None
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
            )
            return Fallback(reason)
    phone = conn.execute(
        sa.select(producers.c.phone).where(producers.c.id == producer_id)
    ).scalar_one()
    tried = [*call.tried, producer_id]
    conn.execute(
        calls.update()
        .where(calls.c.id == call.id)
        .values(status="dialing", producer_id=producer_id, tried=tried, updated_at=now)
    )
    verdict = ctx.gate(producer_id)
    record_attempt(
        conn,
        call=call,
        producer_id=producer_id,
        outcome="dialing",
        policy_version=ctx.policy.version,
        detail={
            "license_id": verdict.license_id,
            "gate": "eligible" if verdict.eligible else verdict.reason,
            "not_dialed": _named(unavailable),
        },
        now=now,
    )
    return Dial(producer_id, str(phone or ""), len(tried))


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
