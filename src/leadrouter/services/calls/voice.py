"""A live call from answer to hang-up: find or ask the caller's place, take the call in as a
lead through intake, ring producers by the dial plan, and fall back when nobody answers.

The hook that calls these has already checked the provider's signature. Each function is one
transaction; a contact made (the call was answered) is then logged through the activities
service, so the speed timer, escalation and cadence react as to any other contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.errors import NotFound
from leadrouter.intake.normalize import complete, prepare
from leadrouter.services.calls.dialing import (
    Dial,
    Fallback,
    acknowledge_missed_call,
    next_dial,
    record_attempt,
)
from leadrouter.services.leads import activities, intake
from leadrouter.services.leads.opt_out import e164
from leadrouter.services.leads.settings import intake_context
from leadrouter.services.routing import announcements
from leadrouter.store import routing_repo as repo
from leadrouter.store.dedupe import contact_lock_names
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import calls, decisions, lead_events, leads, producers
from leadrouter.store.uow import UnitOfWork

ANSWERED = frozenset({"completed", "answered", "in-progress"})
LEAD_FIELDS = ("first_name", "last_name", "email", "insurance_type", "state")
MAX_ZIP_TRIES = 2
DEFAULT_TYPE = "personal_auto"


@dataclass(frozen=True)
class AskZip:
    """Ask the caller for their 5-digit ZIP (a DTMF Gather) before anyone is dialed."""

    tries: int


@dataclass(frozen=True)
class Done:
    """Nothing more to do on this call."""


Step = AskZip | Dial | Fallback | Done


def answer_call(
    *, container: Container, agency_id: int, agency_name: str, params: Mapping[str, str]
) -> Step:
    """The answer to an inbound call or live transfer (again after a ZIP was gathered)."""
    now = container.clock.now()
    sid = params.get("CallSid", "")[:64]
    phone = e164(params.get("From", ""))[:40]
    raw_tries = params.get("tries", "")
    tries = min(int(raw_tries), MAX_ZIP_TRIES) if raw_tries.isdigit() else 0
    with container.uow() as uow:
        conn = uow.conn
        # No agency lock yet: intake takes its contact locks first and the agency's routing
        # lock after (as for every lead), so this path keeps that order to never deadlock.
        call = _call(conn, agency_id, sid)
        if call is not None and call.status == "dialing":
            return _redial(conn, call)  # the provider retried its request: same answer
        if call is not None and call.status != "gathering":
            return Done()
        if call is None:
            call = _new_call(conn, agency_id=agency_id, sid=sid, phone=phone, now=now)
        lead_id = _existing_lead(conn, agency_id, phone)
        if lead_id is None:
            place = _place(params)
            if not place and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)
            lead_id = _take_in(
                uow, agency_id=agency_id, phone=phone, place=place, params=params, now=now
            )
            if lead_id is None and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)  # the ZIP was not a known one
            if lead_id is None:
                lead_id = _take_in(
                    uow, agency_id=agency_id, phone=phone, place={}, params=params, now=now
                )
            assert lead_id is not None
            row = repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
            staged = OutboxRepository(conn)
            announcements.on_created(staged, lead=announcements.LeadView.of(row), now=now)
            staged.flush()
        lock_agency(conn, agency_id)
        conn.execute(calls.update().where(calls.c.id == call.id).values(lead_id=lead_id))
        step = _dial_or_fall_back(conn, container, _call_by_id(conn, call.id), agency_name, now)
        uow.commit()
    return step


def dial_result(
    *, container: Container, agency_id: int, agency_name: str, params: Mapping[str, str]
) -> Step:
    """After a Dial ended: answered → done (a contact made); otherwise the next producer."""
    now = container.clock.now()
    status = params.get("DialCallStatus", "failed")[:20]
    contact: tuple[int, int] | None = None
    with container.uow() as uow:
        conn = uow.conn
        lock_agency(conn, agency_id)
        call = _call(conn, agency_id, params.get("CallSid", "")[:64])
        if call is None or call.status not in ("dialing", "bridged"):
            return Done()
        if status in ANSWERED:
            if call.status == "dialing":
                contact = (call.lead_id, call.producer_id)
            _finish(conn, call, params, now)
            step: Step = Done()
        else:
            record_attempt(
                conn,
                call=call,
                producer_id=call.producer_id,
                outcome=status,
                policy_version=_version(conn, call),
                detail={"result": status},
                now=now,
            )
            step = _dial_or_fall_back(conn, container, call, agency_name, now)
        uow.commit()
    if contact is not None:
        _contact_made(container, agency_id, *contact)
    return step


def call_status(*, container: Container, agency_id: int, params: Mapping[str, str]) -> None:
    """A status callback: ringing, answered, completed (duration, recording) update the lead."""
    now = container.clock.now()
    status = params.get("CallStatus", "")[:20]
    contact: tuple[int, int] | None = None
    with container.uow() as uow:
        conn = uow.conn
        call = _call(conn, agency_id, params.get("CallSid", "")[:64])
        if call is None:
            raise NotFound("no such call")
        if status in ("in-progress", "answered") and call.status == "dialing":
            contact = (call.lead_id, call.producer_id)
            conn.execute(
                calls.update().where(calls.c.id == call.id).values(status="bridged", updated_at=now)
            )
        elif status == "completed" and call.status == "bridged":
            _finish(conn, call, params, now)
        values = _details(params)
        if values:
            conn.execute(calls.update().where(calls.c.id == call.id).values(**values))
        if call.lead_id is not None:
            conn.execute(
                lead_events.insert().values(
                    agency_id=agency_id,
                    lead_id=call.lead_id,
                    type="call_status",
                    at=now,
                    created_at=now,
                    data={"call_sid": call.call_sid, "status": status, **values},
                )
            )
        uow.commit()
    if contact is not None:
        _contact_made(container, agency_id, *contact)


def _dial_or_fall_back(
    conn: sa.Connection, container: Container, call: Any, agency_name: str, now: datetime
) -> Step:
    step = next_dial(conn, container.routing, call=call, now=now)
    if isinstance(step, Fallback):
        conn.execute(
            calls.update()
            .where(calls.c.id == call.id)
            .values(status="fallback", producer_id=None, updated_at=now)
        )
        acknowledge_missed_call(
            conn, container.routing, call=call, agency_name=agency_name, now=now
        )
    return step


def _contact_made(container: Container, agency_id: int, lead_id: int, producer_id: int) -> None:
    activities.log_activity(
        uow=container.uow(),
        routing_deps=container.routing,
        agency_id=agency_id,
        lead_id=lead_id,
        producer_id=producer_id,
        kind=activities.CONTACT,
        at=None,
        note="live call answered",
        now=container.clock.now(),
    )


def _finish(conn: sa.Connection, call: Any, params: Mapping[str, str], now: datetime) -> None:
    conn.execute(
        calls.update()
        .where(calls.c.id == call.id)
        .values(status="completed", updated_at=now, **_details(params))
    )


def _details(params: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    duration = params.get("CallDuration") or params.get("DialCallDuration") or ""
    if duration.isdigit():
        out["duration_seconds"] = int(duration)
    if params.get("RecordingUrl"):
        out["recording_url"] = params["RecordingUrl"][:500]
    return out


def _place(params: Mapping[str, str]) -> dict[str, str]:
    """The ZIP or state the call carries (a vendor's fields, or the caller's digits)."""
    digits = params.get("Digits", "").strip()
    zip_code = params.get("zip", "").strip() or (digits if len(digits) == 5 else "")
    out = {"zip": zip_code} if zip_code else {}
    if params.get("state", "").strip():
        out["state"] = params["state"].strip()
    return out


def _take_in(
    uow: UnitOfWork,
    *,
    agency_id: int,
    phone: str,
    place: dict[str, str],
    params: Mapping[str, str],
    now: datetime,
) -> int | None:
    """The call as a lead through intake (normalized, deduped); None for an unknown ZIP."""
    payload: dict[str, Any] = {k: params[k] for k in LEAD_FIELDS if params.get(k)}
    payload.update(place, phone=phone)
    payload.setdefault("insurance_type", DEFAULT_TYPE)
    ctx = intake_context(
        uow.conn, agency_id=agency_id, source=None, lock=contact_lock_names(agency_id, phone, None)
    )
    lead = complete(prepare(payload), required=frozenset({"phone"}), types=ctx.types)
    if isinstance(lead, list):
        if place and any(e.field in ("zip", "state") for e in lead):
            return None
        payload = {"phone": phone, "insurance_type": DEFAULT_TYPE}
        lead = complete(prepare(payload), required=frozenset({"phone"}), types=ctx.types)
        assert not isinstance(lead, list), lead
    window = ctx.settings.dedupe_window_days
    found = uow.leads.matches(
        agency_id=agency_id,
        phone=lead.phone,
        email=lead.email,
        repeat_since=now - timedelta(days=window) if window else None,
    )
    if found.repeat_of is not None:
        return int(found.repeat_of)
    # A caller has no name or email yet: only the phone is required of a call.
    return intake._create(uow, agency_id, ctx, found, lead, now, None).lead_id


def _existing_lead(conn: sa.Connection, agency_id: int, phone: str) -> int | None:
    """The caller's latest lead with a known state: its place and owner carry over."""
    found = conn.execute(
        sa.select(leads.c.id)
        .where(leads.c.agency_id == agency_id, leads.c.phone == phone, leads.c.state.is_not(None))
        .order_by(leads.c.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def _call(conn: sa.Connection, agency_id: int, sid: str) -> Any:
    return conn.execute(
        sa.select(calls).where(calls.c.agency_id == agency_id, calls.c.call_sid == sid)
    ).first()


def _call_by_id(conn: sa.Connection, call_id: int) -> Any:
    return conn.execute(sa.select(calls).where(calls.c.id == call_id)).one()


def _new_call(conn: sa.Connection, *, agency_id: int, sid: str, phone: str, now: datetime) -> Any:
    call_id = conn.execute(
        calls.insert()
        .values(
            agency_id=agency_id,
            call_sid=sid,
            from_number=phone,
            status="gathering",
            tried=[],
            created_at=now,
            updated_at=now,
        )
        .returning(calls.c.id)
    ).scalar_one()
    return _call_by_id(conn, call_id)


def _redial(conn: sa.Connection, call: Any) -> Step:
    phone = conn.execute(
        sa.select(producers.c.phone).where(producers.c.id == call.producer_id)
    ).scalar_one()
    return Dial(int(call.producer_id), str(phone or ""), len(call.tried))


def _version(conn: sa.Connection, call: Any) -> int:
    found = conn.execute(
        sa.select(decisions.c.policy_version)
        .where(decisions.c.lead_id == call.lead_id)
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).scalar()
    return int(found or 0)
