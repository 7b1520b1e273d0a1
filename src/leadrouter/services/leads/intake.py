"""Leads: intake (validate, normalize, dedupe, idempotency, client match), reads, events, status.

``receive_lead`` does everything in one transaction: the lead, its first status row and the
idempotency record commit together, after the locks that make dedupe and idempotency
race-safe (see ``intake.locks``). Routing hooks in through ``after_store``, inside that same
transaction, right after the lead is stored.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.intake import idempotency, lifecycle, storage
from leadrouter.intake.contract import storable_object
from leadrouter.intake.documents import event_document, lead_document, status_document
from leadrouter.intake.listing import (
    MAX_LIMIT,
    LeadFilter,
    conditions,
    decode_cursor,
    encode_cursor,
)
from leadrouter.intake.normalize import complete, prepare
from leadrouter.intake.storage import INSERT_STATUS, AfterStore, IntakeResult, lead_row
from leadrouter.services.leads.settings import intake_context
from leadrouter.services.learning import intent
from leadrouter.services.learning.signals import TIER_CHANGED
from leadrouter.store.tables import lead_events, lead_status_changes, leads
from leadrouter.store.uow import UnitOfWork

__all__ = [
    "AfterStore",
    "IntakeResult",
    "LeadPage",
    "change_status_in",
    "get_lead",
    "list_events",
    "list_leads",
    "receive_lead",
    "record_event",
]

EVENT_CLOCK_SKEW = timedelta(minutes=5)


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
        if lead.intent_tier is not None and not ctx.settings.sender_intent_tier:
            # The agency scores intent from events only; the payload (a touch) keeps the tier.
            lead = dataclasses.replace(lead, intent_tier=None)
        result = storage.store(
            conn,
            agency_id=agency_id,
            lead=lead,
            payload=payload,
            source_id=ctx.source_id,
            dedupe_window_days=ctx.settings.dedupe_window_days,
            now=now,
            after_store=after_store,
        )
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


def get_lead(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> dict[str, Any]:
    """The agency's lead with its status history; 404 for another agency's lead."""
    with uow:
        document = lead_document(lead_row(uow.conn, agency_id, lead_id)._mapping)
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
        lead_row(uow.conn, agency_id, lead_id)
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
        intent.rescore_in_tx(uow.conn, agency_id=agency_id, lead_id=lead_id, now=now)
        uow.commit()
    return event_document({**values, "id": event_id})


def list_events(
    *,
    uow: UnitOfWork,
    agency_id: int,
    lead_id: int,
    limit: int = 100,
    with_tier_changes: bool = False,
) -> list[dict[str, Any]]:
    """The lead's behavioral events, oldest first; our own log of its intent-tier changes
    only when asked for (they are not the prospect's doing)."""
    where = [lead_events.c.lead_id == lead_id]
    if not with_tier_changes:
        where.append(lead_events.c.type != TIER_CHANGED)
    with uow:
        lead_row(uow.conn, agency_id, lead_id)
        rows = uow.conn.execute(
            sa.select(lead_events)
            .where(*where)
            .order_by(lead_events.c.at, lead_events.c.id)
            .limit(max(1, min(limit, 1000)))
        ).all()
    return [event_document(r._mapping) for r in rows]


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
    found = conn.execute(_STATUS_FOR_UPDATE, {"lead_id": lead_id, "agency_id": agency_id})
    status_now = found.scalar()
    if status_now is None:
        raise NotFound(f"lead {lead_id} does not exist")
    current = LeadStatus(status_now)
    if not lifecycle.may_change(current, target):
        raise Conflict(
            f"lead {lead_id} is {current.value} and cannot become {target.value}",
            errors=[FieldError("status", f"cannot go from {current.value} to {target.value}")],
        )
    conn.execute(_SET_STATUS, {"lead_id": lead_id, "status": target.value, "at": now})
    conn.execute(
        INSERT_STATUS,
        {
            "lead_id": lead_id,
            "agency_id": agency_id,
            "status": target.value,
            "at": now,
            "reason": reason,
        },
    )


_STATUS_FOR_UPDATE = (
    sa.select(leads.c.status)
    .where(leads.c.id == sa.bindparam("lead_id"), leads.c.agency_id == sa.bindparam("agency_id"))
    .with_for_update()
)
_SET_STATUS = (
    leads.update()
    .where(leads.c.id == sa.bindparam("lead_id"))
    .values(status=sa.bindparam("status"), status_changed_at=sa.bindparam("at"))
)
