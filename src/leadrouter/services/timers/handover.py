"""The time engine's changes of owner: a reassignment at the ladder's rung, an expired offer.

Both run in the timer step's transaction, under the agency's routing lock, and go through
routing (so through the license gate, availability, caps, the audit log and the outbox).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing import eligible_producers
from leadrouter.domain.timers import OfferExpired, Reassign, TimerState
from leadrouter.services.routing import announcements as lead_events
from leadrouter.services.routing import route as routing
from leadrouter.services.routing.context import RoutingCaches, load_context
from leadrouter.services.routing.offers import hand_over_offer
from leadrouter.services.timers import state as ts
from leadrouter.services.timers.messages import Scene, escalated
from leadrouter.store.tables import assignments

ACTOR = "time engine"


def hand_over(
    conn: sa.Connection,
    deps: RoutingCaches,
    row: Any,
    scene: Scene,
    state: TimerState,
    action: Reassign | OfferExpired,
    now: datetime,
) -> bool:
    """Carry out a reassignment or an offer's expiry; False when the lead stays where it is.

    ``state`` already counts ``action`` (and the steps before it) as done: it is written to
    the old assignment before it ends, so the next owner inherits the per-lead steps.
    """
    done = (
        assignments.update().where(assignments.c.id == row.id).values(done_steps=sorted(state.done))
    )
    if isinstance(action, OfferExpired):
        conn.execute(done)
        hand_over_offer(
            conn,
            deps,
            row,
            agency_id=row.agency_id,
            state=ts.EXPIRED,
            kind="offer_expired",
            reason="offer not accepted in time",
            actor=ACTOR,
            now=now,
        )
        return True
    someone_else, backup = _alternatives(conn, deps, row, now)
    if not someone_else:
        escalated(
            scene,
            action.key,
            f"{action.reason}; no other eligible producer, so it stays with its owner",
        )
        return False
    conn.execute(done)
    owner = int(row.producer_id)
    routing.end_assignment(
        conn, lead_id=row.lead_id, reason=f"reassigned: {action.reason}", now=now
    )
    result = routing.route_lead_in_tx(
        conn,
        deps,
        agency_id=row.agency_id,
        lead_id=row.lead_id,
        now=now,
        kind="reassign",
        actor=ACTOR,
        exclude=frozenset({owner}),
        prefer=backup,
    )
    lead_events.reassigned(
        conn,
        agency_id=row.agency_id,
        lead_id=row.lead_id,
        from_producer=owner,
        to_producer=result.producer_id,
        reason=action.reason,
        now=now,
    )
    escalated(scene, action.key, action.reason)
    return True


def _alternatives(
    conn: sa.Connection, deps: RoutingCaches, row: Any, now: datetime
) -> tuple[bool, int | None]:
    """Whether anyone but the owner may take the lead, and the owner's backup (if any)."""
    ctx = load_context(conn, deps, agency_id=row.agency_id, lead_id=row.lead_id, now=now)
    owner = int(row.producer_id)
    exclude = frozenset({owner})
    someone_else = bool(eligible_producers(ctx.roster, ctx.input, ctx.policy, exclude=exclude))
    producer = ctx.roster.by_id.get(owner)
    return someone_else, producer.backup_producer_id if producer is not None else None
