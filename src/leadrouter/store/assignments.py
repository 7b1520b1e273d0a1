"""Assignments (who holds which lead, as an offer or for good) as a repository."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.tables import assignments


class AssignmentRepository:
    """Reads and writes of assignments inside the caller's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, values: Mapping[str, Any]) -> None:
        """Open an assignment (the partial unique index refuses a second open one)."""
        self._conn.execute(_INSERT, dict(values))

    def last_done_steps(self, lead_id: int) -> list[str]:
        """The per-lead timer steps the lead's latest assignment had done (none: [])."""
        return list(self._conn.execute(_LAST_DONE, {"lead_id": lead_id}).scalar() or ())

    def open_row(self, lead_id: int, *, lock: bool = False) -> Any:
        """The lead's open assignment (locked for update when asked), or None."""
        return self._conn.execute(_OPEN_LOCKED if lock else _OPEN, {"lead_id": lead_id}).first()

    def end(self, assignment_id: int, *, reason: str, now: datetime) -> None:
        """Close an assignment: it is no longer due for anything."""
        self._conn.execute(_END, {"id_": assignment_id, "at": now, "reason": reason})


_INSERT = assignments.insert()
_LAST_DONE = (
    sa.select(assignments.c.done_steps)
    .where(assignments.c.lead_id == sa.bindparam("lead_id"))
    .order_by(assignments.c.id.desc())
    .limit(1)
)
_OPEN = sa.select(assignments).where(
    assignments.c.lead_id == sa.bindparam("lead_id"), assignments.c.ended_at.is_(None)
)
_OPEN_LOCKED = _OPEN.with_for_update()
_END = (
    assignments.update()
    .where(assignments.c.id == sa.bindparam("id_"))
    .values(
        ended_at=sa.bindparam("at"),
        end_reason=sa.bindparam("reason"),
        state="ended",
        next_due_at=None,
    )
)
