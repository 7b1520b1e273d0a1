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
from leadrouter.services.calls.caller import Taken, earlier_lead, take_in_call
from leadrouter.services.calls.dialing import (
    Dial,
    Fallback,
    Target,
    acknowledge_missed_call,
    answered_by,
    calls_policy,
    next_dial,
    record_attempt,
)
from leadrouter.services.leads import activities
from leadrouter.services.leads.opt_out import e164
from leadrouter.services.routing import announcements
from leadrouter.store import routing_repo as repo
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import calls, decisions, lead_events, producers

ANSWERED = frozenset({"completed", "answered", "in-progress"})
MAX_ZIP_TRIES = 2


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
            # The provider retried its request: the same answer.
            return _redial(conn, container, call)
        if call is not None and call.status != "gathering":
            return Done()
        if call is None:
            call = _new_call(conn, agency_id=agency_id, sid=sid, phone=phone, now=now)
        taken = earlier_lead(conn, agency_id, phone)
        if taken is None:
            place = _place(params)
            if not place and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)
            default = calls_policy(conn, container.routing, agency_id).default_insurance_type
            taken = take_in_call(
                uow,
                agency_id=agency_id,
                phone=phone,
                place=place,
                params=params,
                policy_default=default,
                now=now,
            )
            if taken is None and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)  # the ZIP was not a known one
            if taken is None:
                taken = take_in_call(
                    uow,
                    agency_id=agency_id,
                    phone=phone,
                    place={},
                    params=params,
                    policy_default=default,
                    now=now,
                )
            assert taken is not None
            _announce(conn, agency_id, taken, now)
        lock_agency(conn, agency_id)
        conn.execute(
            calls.update()
            .where(calls.c.id == call.id)
            .values(lead_id=taken.lead_id, line=taken.line.as_record())
        )
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
                # No status callback named who answered: the producer holding the lead did.
                holder = answered_by(
                    conn, container.routing, call=call, producer_id=call.producer_id, now=now
                )
                contact = (call.lead_id, holder)
            _finish(conn, call, params, now)
            step: Step = Done()
        else:
            version = _version(conn, call)
            for pid in call.ringing or [call.producer_id]:
                record_attempt(
                    conn,
                    call=call,
                    producer_id=pid,
                    outcome=status,
                    policy_version=version,
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
        # A dialed leg's callback names its parent call (the caller's) as ParentCallSid.
        sid = params.get("ParentCallSid") or params.get("CallSid", "")
        call = _call(conn, agency_id, sid[:64])
        if call is None:
            raise NotFound("no such call")
        if status in ("in-progress", "answered") and call.status == "dialing":
            lock_agency(conn, agency_id)
            who = _answerer(call, params.get("producer", ""))
            holder = answered_by(conn, container.routing, call=call, producer_id=who, now=now)
            contact = (call.lead_id, holder)
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


def _announce(conn: sa.Connection, agency_id: int, taken: Taken, now: datetime) -> None:
    row = repo.get_lead_row(conn, agency_id=agency_id, lead_id=taken.lead_id)
    staged = OutboxRepository(conn)
    announcements.on_created(staged, lead=announcements.LeadView.of(row), now=now)
    staged.flush()


def _answerer(call: Any, named: str) -> int:
    """The producer whose leg answered (named in its callback URL), if they were rung."""
    ringing = [int(p) for p in (call.ringing or [call.producer_id])]
    return int(named) if named.isdigit() and int(named) in ringing else int(call.producer_id)


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


def _redial(conn: sa.Connection, container: Container, call: Any) -> Step:
    group = [int(p) for p in (call.ringing or [call.producer_id])]
    phones = dict(
        conn.execute(
            sa.select(producers.c.id, producers.c.phone).where(producers.c.id.in_(group))
        ).all()
    )
    plan = calls_policy(conn, container.routing, call.agency_id)
    targets = tuple(Target(pid, str(phones.get(pid) or "")) for pid in group)
    return Dial(targets, int(call.rings), plan.dial_timeout_seconds)


def _version(conn: sa.Connection, call: Any) -> int:
    found = conn.execute(
        sa.select(decisions.c.policy_version)
        .where(decisions.c.lead_id == call.lead_id)
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).scalar()
    return int(found or 0)
