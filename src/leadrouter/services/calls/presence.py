"""Producer presence (available / busy / away): only available producers are dialed."""

from __future__ import annotations

from typing import Literal, get_args

import sqlalchemy as sa

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.store.tables import calls, producers
from leadrouter.store.uow import UnitOfWork

Presence = Literal["available", "busy", "away"]
PRESENCES: tuple[str, ...] = get_args(Presence)
LIVE = ("dialing", "bridged")


def set_presence(*, uow: UnitOfWork, agency_id: int, producer_id: int, presence: str) -> str:
    """Set a producer's presence; the presence set."""
    if presence not in PRESENCES:
        raise ValidationFailed(
            f"presence must be one of {', '.join(PRESENCES)}",
            errors=[FieldError("presence", "not available, busy or away")],
        )
    with uow:
        done = uow.conn.execute(
            producers.update()
            .where(producers.c.id == producer_id, producers.c.agency_id == agency_id)
            .values(presence=presence)
        )
        if done.rowcount != 1:
            raise NotFound(f"producer {producer_id} does not exist")
        uow.commit()
    return presence


def unavailable_for_calls(
    conn: sa.Connection, *, agency_id: int, call_id: int | None = None
) -> dict[int, str]:
    """Producers who may not be dialed now, with why: not available, or on another call."""
    out: dict[int, str] = {}
    for pid, presence in conn.execute(
        sa.select(producers.c.id, producers.c.presence).where(
            producers.c.agency_id == agency_id, producers.c.presence != "available"
        )
    ):
        out[int(pid)] = f"presence {presence}"
    busy = sa.select(calls.c.producer_id, calls.c.ringing).where(
        calls.c.agency_id == agency_id,
        calls.c.status.in_(LIVE),
        calls.c.producer_id.is_not(None),
    )
    if call_id is not None:
        busy = busy.where(calls.c.id != call_id)
    for pid, ringing in conn.execute(busy):
        for other in ringing or [pid]:
            out.setdefault(int(other), "on another call")
    return out
