"""Producer presence (available / busy / away): only available producers are dialed."""

from __future__ import annotations

from typing import Literal, get_args

from leadrouter.errors import FieldError, NotFound, ValidationFailed
from leadrouter.store.tables import producers
from leadrouter.store.uow import UnitOfWork

Presence = Literal["available", "busy", "away"]
PRESENCES: tuple[str, ...] = get_args(Presence)


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
