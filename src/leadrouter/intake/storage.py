"""Storing a normalized lead inside the caller's transaction: a new lead, or a touch on a repeat.

The statements are built once, so the hot path only binds values to statements SQLAlchemy
has already compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from leadrouter.errors import NotFound
from leadrouter.intake import dedupe, locks
from leadrouter.intake.documents import encode, lead_document
from leadrouter.intake.normalize import NormalizedLead
from leadrouter.store.tables import lead_status_changes, lead_touches, leads


class AfterStore(Protocol):
    """Called in the intake transaction right after a new lead is stored (e.g. to route it)."""

    def __call__(
        self, conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class IntakeResult:
    """The HTTP answer to a lead post: status, exact body bytes, and what happened."""

    status_code: int
    body: bytes
    lead_id: int
    created: bool
    replayed: bool = False


def store(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead: NormalizedLead,
    payload: Mapping[str, Any],
    source_id: int | None,
    dedupe_window_days: int,
    now: datetime,
    after_store: AfterStore | None,
) -> IntakeResult:
    """A new lead (201), or a touch on the lead it repeats (200), with the response body."""
    locks.hold(conn, dedupe.contact_lock_names(agency_id, lead.phone, lead.email))
    found = dedupe.lookup(
        conn,
        agency_id=agency_id,
        phone=lead.phone,
        email=lead.email,
        repeat_since=now - timedelta(days=dedupe_window_days) if dedupe_window_days else None,
    )
    if found.repeat_of is not None:
        return _touch(conn, agency_id, found, lead, payload, now)
    values = {
        **vars(lead),
        "agency_id": agency_id,
        "status": "new",
        "source_id": source_id,
        "client_id": found.client_id,
        "owner_id": None,
        "do_not_contact": False,
        "touch_count": 1,
        "last_touch_at": now,
        "created_at": now,
        "status_changed_at": now,
    }
    lead_id = int(conn.execute(_INSERT_LEAD, values).scalar_one())
    conn.execute(
        INSERT_STATUS,
        {
            "agency_id": agency_id,
            "lead_id": lead_id,
            "status": "new",
            "at": now,
            "reason": "received",
        },
    )
    if after_store is None:
        document = lead_document({**values, "id": lead_id})
    else:
        after_store(conn, agency_id=agency_id, lead_id=lead_id, now=now)
        document = lead_document(lead_row(conn, agency_id, lead_id)._mapping)
    return IntakeResult(201, encode(document), lead_id, created=True)


def _touch(
    conn: sa.Connection,
    agency_id: int,
    found: dedupe.Matches,
    lead: NormalizedLead,
    payload: Mapping[str, Any],
    now: datetime,
) -> IntakeResult:
    lead_id = found.repeat_of
    assert lead_id is not None
    touch_id = conn.execute(
        _INSERT_TOUCH,
        {
            "agency_id": agency_id,
            "lead_id": lead_id,
            "at": now,
            "source_name": lead.source_name,
            "payload": dict(payload),
        },
    ).scalar_one()
    conn.execute(_BUMP_TOUCHES, {"lead_id": lead_id, "at": now})
    document = lead_document(lead_row(conn, agency_id, lead_id)._mapping)
    document["duplicate_of"] = lead_id
    document["duplicate"] = {
        "matched_on": found.repeat_matched_on,
        "touch_id": touch_id,
        "touched_at": document["last_touch_at"],
    }
    return IntakeResult(200, encode(document), lead_id, created=False)


def lead_row(conn: sa.Connection, agency_id: int, lead_id: int) -> Any:
    """The agency's ``leads`` row; NotFound when absent or another agency's."""
    row = conn.execute(_LEAD, {"lead_id": lead_id, "agency_id": agency_id}).first()
    if row is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return row


_INSERT_LEAD = leads.insert().returning(leads.c.id)
INSERT_STATUS = lead_status_changes.insert()
_INSERT_TOUCH = lead_touches.insert().returning(lead_touches.c.id)
_BUMP_TOUCHES = (
    leads.update()
    .where(leads.c.id == sa.bindparam("lead_id"))
    .values(touch_count=leads.c.touch_count + 1, last_touch_at=sa.bindparam("at"))
)
_LEAD = sa.select(leads).where(
    leads.c.id == sa.bindparam("lead_id"), leads.c.agency_id == sa.bindparam("agency_id")
)
