"""Leads: intake (validate, normalize, dedupe, idempotency, client match), reads, events, status.

``receive_lead`` does everything in one transaction: the lead, its first status row and the
idempotency record commit together, after the locks that make dedupe and idempotency
race-safe (see ``store.locks``). Routing hooks in through ``after_store``, inside that same
transaction, right after the lead is stored. A hook that fails raises ``StoreAgain``: the
transaction is rolled back and the lead taken in again, in a fresh one, with the hook it
names instead (routing's keeps the lead ``new`` for the worker). The common path so needs
no savepoint.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.errors import Conflict, FieldError, NotFound, ValidationFailed
from leadrouter.intake import idempotency, lifecycle
from leadrouter.intake.contract import storable_object
from leadrouter.intake.documents import encode, event_document, lead_document, status_document
from leadrouter.intake.listing import (
    MAX_LIMIT,
    LeadFilter,
    conditions,
    decode_cursor,
    encode_cursor,
)
from leadrouter.intake.normalize import NormalizedLead, Prepared, complete, prepare
from leadrouter.paging import Page, page
from leadrouter.services.leads.repeats import announce_repeat_in_tx
from leadrouter.services.leads.settings import IntakeContext, intake_context
from leadrouter.services.learning import intent
from leadrouter.services.learning.signals import TIER_CHANGED
from leadrouter.store.agency_repo import AgencyInfo, KeyInForce
from leadrouter.store.dedupe import Matches, contact_lock_names
from leadrouter.store.idempotency import Recorded
from leadrouter.store.leads import LeadRepository, lead_row
from leadrouter.store.tables import lead_events, leads
from leadrouter.store.uow import UnitOfWork

__all__ = [
    "AfterStore",
    "AfterStoreRow",
    "IntakeResult",
    "LeadPage",
    "StoreAgain",
    "change_status_in_tx",
    "create_lead_in_tx",
    "get_lead",
    "list_events",
    "list_leads",
    "receive_lead",
    "record_event",
]

EVENT_CLOCK_SKEW = timedelta(minutes=5)


class AfterStore(Protocol):
    """Called in the intake transaction right after a new lead is stored (e.g. to route it)."""

    def __call__(
        self, conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime
    ) -> None: ...


@runtime_checkable
class AfterStoreRow(Protocol):
    """An ``AfterStore`` that is handed the stored row and the agency read for intake, and
    gives back the lead's row as it left it (None: changed without reading it back), so
    nothing the transaction wrote is read again. One with a true ``routes`` attribute (it
    routes the lead) has the lead's first status row staged, to be written with the
    decision's (``UnitOfWork.history``)."""

    def stored(
        self, uow: UnitOfWork, *, lead: Any, agency: AgencyInfo | None, now: datetime
    ) -> Any:
        """Run right after the lead is stored."""


class StoreAgain(Exception):
    """Raised by an ``after_store`` hook that failed: the intake's transaction is rolled back
    and the lead stored again in a fresh one, with ``instead`` as its hook (None: no hook)."""

    def __init__(self, instead: AfterStore | AfterStoreRow | None) -> None:
        super().__init__("the after-store hook failed; the lead is stored again without it")
        self.instead = instead


@dataclass(frozen=True)
class IntakeResult:
    """The HTTP answer to a lead post: status, exact body bytes, and what happened."""

    status_code: int
    body: bytes
    lead_id: int
    created: bool
    replayed: bool = False
    # The lead's row as intake (and routing, if it ran) left it; None for a replay or touch.
    row: Any = dataclasses.field(default=None, compare=False, repr=False)


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
    after_store: AfterStore | AfterStoreRow | None = None,
    caller_key: KeyInForce | None = None,
) -> IntakeResult:
    """Take in one lead: 201 for a new lead (linked to the consumer's earlier lead for another
    line), 200 for a repeat for the same line, the first answer for a retry.

    ``caller_key``: the API key the request came with, confirmed still in force by the
    transaction's first statement (Unauthorized, nothing written, if it is not)."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    prepared = prepare(payload)
    contacts = contact_lock_names(
        agency_id, prepared.normalized.get("phone"), prepared.normalized.get("email")
    )
    take = functools.partial(
        _take,
        uow,
        agency_id=agency_id,
        payload=payload,
        idempotency_key=idempotency_key,
        prepared=prepared,
        contacts=contacts,
        now=now,
        caller_key=caller_key,
    )
    try:
        return take(after_store=after_store)
    except StoreAgain as again:
        return take(after_store=again.instead)


def _take(
    uow: UnitOfWork,
    *,
    agency_id: int,
    payload: Mapping[str, Any],
    idempotency_key: str | None,
    prepared: Prepared,
    contacts: list[str],
    now: datetime,
    after_store: AfterStore | AfterStoreRow | None,
    caller_key: KeyInForce | None,
) -> IntakeResult:
    """``receive_lead``'s transaction (prepared and contact lock names already made)."""
    with uow:
        # The contact locks make dedupe race-safe; taken with the agency's settings (one
        # round trip), they are held until the lead (or its touch) commits. The same
        # statement confirms the caller's key.
        ctx = intake_context(
            uow.conn,
            agency_id=agency_id,
            source=payload.get("source"),
            lock=contacts,
            caller_key=caller_key,
        )
        request_digest = ""
        if idempotency_key is not None:
            request_digest = idempotency.digest(payload)
            earlier = uow.idempotency.replay(
                agency_id=agency_id, key=idempotency_key, request_digest=request_digest, now=now
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
        window = ctx.settings.dedupe_window_days
        found = uow.leads.matches(
            agency_id=agency_id,
            phone=lead.phone,
            email=lead.email,
            repeat_since=now - timedelta(days=window) if window else None,
            insurance_type=lead.insurance_type,
        )
        if found.repeat_of is not None:
            result = _touch(uow, agency_id, ctx, found, lead, payload, now)
        else:
            result = create_lead_in_tx(
                uow,
                agency_id=agency_id,
                ctx=ctx,
                matches=found,
                lead=lead,
                now=now,
                after_store=after_store,
            )
        if idempotency_key is not None:
            uow.idempotency.remember(
                agency_id=agency_id,
                key=idempotency_key,
                request_digest=request_digest,
                response=Recorded(result.status_code, result.body),
                now=now,
            )
        uow.commit()
    return result


def create_lead_in_tx(
    uow: UnitOfWork,
    *,
    agency_id: int,
    ctx: IntakeContext,
    matches: Matches,
    lead: NormalizedLead,
    now: datetime,
    after_store: AfterStore | AfterStoreRow | None = None,
) -> IntakeResult:
    """Store a new, normalized lead inside the caller's open unit of work (201); the body is
    built from the rows the writes returned. The caller has taken the contact locks (with
    ``intake_context``) and looked up ``matches``, and commits; a caller that passes an
    ``after_store`` hook also takes the lead in again when it raises ``StoreAgain``."""
    routes = bool(getattr(after_store, "routes", False))
    row = uow.leads.add(
        {
            **vars(lead),
            "agency_id": agency_id,
            "status": "new",
            "source_id": ctx.source_id,
            "client_id": matches.client_id,
            # Another line than the consumer's earlier lead: linked, its owner preferred.
            "related_lead_id": matches.related_to,
            "owner_id": None,
            "do_not_contact": False,
            "touch_count": 1,
            "last_touch_at": now,
            "created_at": now,
            "status_changed_at": now,
        },
        reason="received",
        # A hook that routes the lead next has its first status row staged, to be written
        # with the decision's.
        history=uow.history if routes else None,
    )
    if isinstance(after_store, AfterStoreRow):
        routed = after_store.stored(uow, lead=row, agency=ctx.agency, now=now)
        row = routed if routed is not None else uow.leads.get(agency_id, row.id)
    elif after_store is not None:
        after_store(uow.conn, agency_id=agency_id, lead_id=row.id, now=now)
        row = uow.leads.get(agency_id, row.id)
    return IntakeResult(
        201, encode(lead_document(row._mapping)), int(row.id), created=True, row=row
    )


def _touch(
    uow: UnitOfWork,
    agency_id: int,
    ctx: IntakeContext,
    found: Matches,
    lead: NormalizedLead,
    payload: Mapping[str, Any],
    now: datetime,
) -> IntakeResult:
    """A repeat (200): a touch on the lead it repeats (its owner is told), and that lead in
    the body."""
    lead_id = found.repeat_of
    assert lead_id is not None
    touch_id, row = uow.leads.add_touch(
        agency_id=agency_id, lead_id=lead_id, at=now, source_name=lead.source_name, payload=payload
    )
    announce_repeat_in_tx(uow, lead=row, touch_id=touch_id, agency=ctx.agency, now=now)
    document = lead_document(row._mapping)
    document["duplicate_of"] = lead_id
    document["duplicate"] = {
        "matched_on": found.repeat_matched_on,
        "touch_id": touch_id,
        "touched_at": document["last_touch_at"],
    }
    return IntakeResult(200, encode(document), lead_id, created=False)


def get_lead(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> dict[str, Any]:
    """The agency's lead with its status history; 404 for another agency's lead."""
    with uow:
        document = lead_document(uow.leads.get(agency_id, lead_id)._mapping)
        history = uow.leads.status_history(lead_id)
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
    cursor: str | None = None,
    limit: int = 100,
    with_tier_changes: bool = False,
) -> Page[dict[str, Any]]:
    """The lead's behavioral events, oldest first; our own log of its intent-tier changes
    only when asked for (they are not the prospect's doing)."""
    where = [lead_events.c.lead_id == lead_id]
    if not with_tier_changes:
        where.append(lead_events.c.type != TIER_CHANGED)
    with uow:
        lead_row(uow.conn, agency_id, lead_id)
        return page(
            uow.conn,
            sa.select(lead_events).where(*where),
            lead_events,
            kind="lead_event",
            cursor=cursor,
            limit=limit,
            build=event_document,
            order=[(lead_events.c.at, False)],
        )


def change_status_in_tx(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    status: LeadStatus | str,
    reason: str | None,
    now: datetime,
) -> None:
    """Move the lead to ``status`` inside the caller's transaction (routing, timers, outcomes),
    which it commits; 409 when the lifecycle does not allow the move."""
    target = LeadStatus(status)
    store = LeadRepository(conn)
    status_now = store.status_for_update(agency_id, lead_id)
    if status_now is None:
        raise NotFound(f"lead {lead_id} does not exist")
    current = LeadStatus(status_now)
    if not lifecycle.may_change(current, target):
        raise Conflict(
            f"lead {lead_id} is {current.value} and cannot become {target.value}",
            errors=[FieldError("status", f"cannot go from {current.value} to {target.value}")],
        )
    store.set_status(lead_id, target.value, now)
    store.record_status(
        agency_id=agency_id, lead_id=lead_id, status=target.value, at=now, reason=reason
    )
