"""Leads: intake (validate, normalize, dedupe, idempotency, client match), reads, events, status.

``receive_lead`` does everything in one transaction: the lead, its first status row and the
idempotency record commit together, after the locks that make dedupe and idempotency
race-safe (see ``intake.locks``). Routing hooks in through ``after_store``, inside that same
transaction, right after the lead is stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.intake import dedupe, idempotency, lifecycle, locks
from leadrouter.intake.contract import storable_object
from leadrouter.intake.documents import (
    encode,
    event_document,
    lead_document,
    status_document,
)
from leadrouter.intake.listing import (
    MAX_LIMIT,
    LeadFilter,
    conditions,
    decode_cursor,
    encode_cursor,
)
from leadrouter.intake.normalize import NormalizedLead, complete, prepare
from leadrouter.services.agency_settings import IntakeContext, intake_context
from leadrouter.store.tables import lead_events, lead_status_changes, lead_touches, leads
from leadrouter.store.uow import UnitOfWork

EVENT_CLOCK_SKEW = timedelta(minutes=5)


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


@dataclass(frozen=True)
class LeadPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def receive_lead(
    *,
    uow: UnitOfWork,
    agency_id: int,
    payload: Mapping[str, Any],
    idempotency_key: str | None,
    now: datetime,
    after_store: AfterStore | None = None,
) -> IntakeResult:
    """Take in one lead: 201 for a new lead, 200 for a repeat, the first answer for a retry."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    prepared = prepare(payload)
    with uow:
        conn = uow.conn
        ctx = intake_context(conn, agency_id=agency_id, source=payload.get("source"))
        request_digest = ""
        if idempotency_key is not None:
            request_digest = idempotency.digest(payload)
            earlier = idempotency.replay(
                conn,
                agency_id=agency_id,
                key=idempotency_key,
                request_digest=request_digest,
                now=now,
            )
            if earlier is not None:
                lead_id = int(json.loads(earlier.body)["id"])
                return IntakeResult(earlier.status_code, earlier.body, lead_id, False, True)
        lead = complete(prepared, required=ctx.required, types=ctx.types)
        if isinstance(lead, list):
            raise ValidationFailed("; ".join(f"{e.field}: {e.reason}" for e in lead), errors=lead)
        result = _store(conn, ctx, agency_id, lead, payload, now, after_store)
        if idempotency_key is not None:
            idempotency.remember(
                conn,
                agency_id=agency_id,
                key=idempotency_key,
                request_digest=request_digest,
                response=idempotency.Recorded(result.status_code, result.body),
                now=now,
            )
        uow.commit()
    return result


def _store(
    conn: sa.Connection,
    ctx: IntakeContext,
    agency_id: int,
    lead: NormalizedLead,
    payload: Mapping[str, Any],
    now: datetime,
    after_store: AfterStore | None,
) -> IntakeResult:
    locks.hold(conn, dedupe.contact_lock_names(agency_id, lead.phone, lead.email))
    window = ctx.settings.dedupe_window_days
    found = dedupe.lookup(
        conn,
        agency_id=agency_id,
        phone=lead.phone,
        email=lead.email,
        repeat_since=now - timedelta(days=window) if window > 0 else None,
    )
    if found.repeat_of is not None:
        return _touch(conn, agency_id, found, lead, payload, now)
    values = {
        **vars(lead),
        "agency_id": agency_id,
        "status": LeadStatus.NEW.value,
        "source_id": ctx.source_id,
        "client_id": found.client_id,
        "owner_id": None,
        "intent_tier": None,
        "do_not_contact": False,
        "touch_count": 1,
        "last_touch_at": now,
        "created_at": now,
        "status_changed_at": now,
    }
    lead_id = int(conn.execute(leads.insert().values(values).returning(leads.c.id)).scalar_one())
    conn.execute(
        lead_status_changes.insert().values(
            agency_id=agency_id,
            lead_id=lead_id,
            status=LeadStatus.NEW.value,
            at=now,
            reason="received",
        )
    )
    if after_store is None:
        document = lead_document({**values, "id": lead_id})
    else:
        after_store(conn, agency_id=agency_id, lead_id=lead_id, now=now)
        document = lead_document(_lead_row(conn, agency_id, lead_id)._mapping)
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
        lead_touches.insert()
        .values(
            agency_id=agency_id,
            lead_id=lead_id,
            at=now,
            source_name=lead.source_name,
            payload=dict(payload),
        )
        .returning(lead_touches.c.id)
    ).scalar_one()
    conn.execute(
        leads.update()
        .where(leads.c.id == lead_id)
        .values(
            touch_count=leads.c.touch_count + 1,
            last_touch_at=now,
        )
    )
    document = lead_document(_lead_row(conn, agency_id, lead_id)._mapping)
    document["duplicate_of"] = lead_id
    document["duplicate"] = {
        "matched_on": found.repeat_matched_on,
        "touch_id": touch_id,
        "touched_at": document["last_touch_at"],
    }
    return IntakeResult(200, encode(document), lead_id, created=False)


def _lead_row(conn: sa.Connection, agency_id: int, lead_id: int, *, lock: bool = False) -> Any:
    query = sa.select(leads).where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return row


def get_lead(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> dict[str, Any]:
    """The agency's lead with its status history; 404 for another agency's lead."""
    with uow:
        document = lead_document(_lead_row(uow.conn, agency_id, lead_id)._mapping)
        history = uow.conn.execute(
            sa.select(lead_status_changes)
            .where(lead_status_changes.c.lead_id == lead_id)
            .order_by(lead_status_changes.c.id)
        ).all()
    document["status_history"] = [status_document(r._mapping) for r in history]
    return document


def list_leads(
    *,
    uow: UnitOfWork,
    agency_id: int,
    filters: LeadFilter,
    limit: int = 50,
    cursor: str | None = None,
) -> LeadPage:
    """One page of the agency's leads, newest first, and the cursor to the next page."""
    limit = max(1, min(limit, MAX_LIMIT))
    after_id = decode_cursor(cursor) if cursor else None
    with uow:
        rows = uow.conn.execute(
            sa.select(leads)
            .where(*conditions(agency_id, filters, after_id))
            .order_by(leads.c.id.desc())
            .limit(limit + 1)
        ).all()
    items = [lead_document(r._mapping) for r in rows[:limit]]
    more = len(rows) > limit
    return LeadPage(items, encode_cursor(items[-1]["id"]) if more else None)


def record_event(
    *,
    uow: UnitOfWork,
    agency_id: int,
    lead_id: int,
    type: str,
    at: datetime,
    data: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """Record a behavioral event (page view, call, quote request ...) on the agency's lead."""
    errors = []
    if at.tzinfo is None:
        errors.append(FieldError("at", "must carry a time zone offset"))
    elif at > now + EVENT_CLOCK_SKEW:
        errors.append(FieldError("at", "is in the future"))
    try:
        storable_object(dict(data or {}), max_bytes=4096)
    except ValueError as exc:
        errors.append(FieldError("data", str(exc)))
    if errors:
        raise ValidationFailed("; ".join(f"{e.field}: {e.reason}" for e in errors), errors=errors)
    with uow:
        _lead_row(uow.conn, agency_id, lead_id)
        values = {
            "agency_id": agency_id,
            "lead_id": lead_id,
            "type": type,
            "at": at,
            "data": dict(data or {}),
            "created_at": now,
        }
        event_id = uow.conn.execute(
            lead_events.insert().values(values).returning(lead_events.c.id)
        ).scalar_one()
        uow.commit()
    return event_document({**values, "id": event_id})


def list_events(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, limit: int = 100
) -> list[dict[str, Any]]:
    """The lead's behavioral events, oldest first."""
    with uow:
        _lead_row(uow.conn, agency_id, lead_id)
        rows = uow.conn.execute(
            sa.select(lead_events)
            .where(lead_events.c.lead_id == lead_id)
            .order_by(lead_events.c.at, lead_events.c.id)
            .limit(max(1, min(limit, 1000)))
        ).all()
    return [event_document(r._mapping) for r in rows]


def change_status(
    *,
    uow: UnitOfWork,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Move the agency's lead to ``status`` (409 if its lifecycle forbids it); the lead."""
    with uow:
        change_status_in(
            uow.conn, agency_id=agency_id, lead_id=lead_id, status=status, reason=reason, now=now
        )
        document = lead_document(_lead_row(uow.conn, agency_id, lead_id)._mapping)
        uow.commit()
    return document


def change_status_in(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
) -> None:
    """``change_status`` inside the caller's transaction (routing, timers), which it commits."""
    target = LeadStatus(status)
    current = LeadStatus(_lead_row(conn, agency_id, lead_id, lock=True).status)
    if not lifecycle.may_change(current, target):
        raise Conflict(
            f"lead {lead_id} is {current.value} and cannot become {target.value}",
            errors=[FieldError("status", f"cannot go from {current.value} to {target.value}")],
        )
    conn.execute(
        leads.update()
        .where(leads.c.id == lead_id)
        .values(
            status=target.value,
            status_changed_at=now,
        )
    )
    conn.execute(
        lead_status_changes.insert().values(
            agency_id=agency_id,
            lead_id=lead_id,
            status=target.value,
            at=now,
            reason=reason,
        )
    )
