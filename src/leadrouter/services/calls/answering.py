"""The phone that answered: it takes the call's lead (a simultaneous ring's winner through a
gate-checked decision of its own) and the other phones of the ring are recorded as not
answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import Conflict, NotLicensed
from leadrouter.services.calls.dialing import record_attempt
from leadrouter.services.routing import announcements
from leadrouter.services.routing.apply import apply_decision, named_decision
from leadrouter.services.routing.context import RoutingCaches, RoutingContext, load_context
from leadrouter.services.routing.route import end_assignment
from leadrouter.store import calls_repo


def answered_by(
    conn: sa.Connection, deps: RoutingCaches, *, call: Any, producer_id: int, now: datetime
) -> int:
    """The producer who answered takes the lead (when it was not already theirs); the others
    of the ring are recorded as not answered. The producer who holds the lead after."""
    ringing = [int(p) for p in (call.ringing or [call.producer_id])]
    ctx = load_context(conn, deps, agency_id=call.agency_id, lead_id=call.lead_id, now=now)
    version = ctx.policy.version
    holder = int(call.producer_id)
    detail: dict[str, Any] = {"ringing": ringing}
    if producer_id != holder:
        taken = _hand_over(conn, ctx, call, holder, producer_id, now)
        holder = producer_id if taken is None else holder
        if taken is not None:
            detail["kept_by_holder"] = taken
    record_attempt(
        conn,
        call=call,
        producer_id=producer_id,
        outcome="answered",
        policy_version=version,
        detail=detail,
        now=now,
    )
    for pid in ringing:
        if pid != producer_id:
            record_attempt(
                conn,
                call=call,
                producer_id=pid,
                outcome="not-answered",
                policy_version=version,
                detail={"result": f"producer {producer_id} answered first"},
                now=now,
            )
    calls_repo.change(
        conn,
        call.id,
        status="bridged",
        producer_id=producer_id,
        ringing=[producer_id],
        updated_at=now,
    )
    return holder


def _hand_over(
    conn: sa.Connection, ctx: RoutingContext, call: Any, holder: int, to: int, now: datetime
) -> str | None:
    """Give the lead to the producer who answered a simultaneous ring; None when done, else
    why the holder keeps it (the gate or a cap changed while the phones rang)."""
    verdict = ctx.gate(to)
    if not verdict.eligible:
        return f"the gate refused producer {to}: {verdict.reason}"
    why = f"simultaneous ring of call {call.call_sid}: producer {to} answered first"
    decision = named_decision(
        ctx, to, verdict.license_id, "first to answer a simultaneous ring", why
    )
    # One step: when the claim is refused (a cap filled while the phones rang), the holder's
    # assignment is not ended either.
    with conn.begin_nested() as step:
        end_assignment(
            conn, lead_id=call.lead_id, reason=f"producer {to} answered the call", now=now
        )
        try:
            apply_decision(conn, ctx, decision, kind="call", actor="telephony", now=now)
        except (Conflict, NotLicensed) as exc:
            step.rollback()
            return str(exc)
    announcements.reassigned(
        conn,
        agency_id=call.agency_id,
        lead_id=call.lead_id,
        from_producer=holder,
        to_producer=to,
        reason="answered the live call first",
        now=now,
    )
    return None
