"""Producer presence (available / busy / away): only available producers are dialed."""

from __future__ import annotations

from typing import Literal, get_args

import sqlalchemy as sa

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.store import calls_repo
from leadrouter.store.tables import producers
from leadrouter.store.uow import UnitOfWork

Presence = Literal["available", "busy", "away"]
PRESENCES: tuple[str, ...] = get_args(Presence)
_AWAY = sa.select(producers.c.id, producers.c.presence).where(
    producers.c.agency_id == sa.bindparam("agency_id"), producers.c.presence != "available"
)


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
    for pid, presence in conn.execute(_AWAY, {"agency_id": agency_id}):
        out[int(pid)] = f"presence {presence}"
    for pid in calls_repo.on_calls(conn, agency_id, but=call_id):
        out.setdefault(pid, "on another call")
    return out
