"""A live call from answer to hang-up: find or ask the caller's place, take the call in as a
lead through intake, ring producers by the dial plan, and fall back when nobody answers.

The hook that calls these has already checked the provider's signature. Each function is one
transaction; a contact made (the call was answered) is then logged through the activities
service, so the speed timer, escalation and cadence react as to any other contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.errors import NotFound
from leadrouter.services.calls.answering import answered_by
from leadrouter.services.calls.caller import callers_leads, earlier_lead, take_in_call
from leadrouter.services.calls.dialing import (
    Dial,
    Fallback,
    Target,
    acknowledge_missed_call,
    calls_policy,
    next_dial,
    record_attempt,
)
from leadrouter.services.leads import activities
from leadrouter.services.leads.opt_out import e164
from leadrouter.services.routing import announcements
from leadrouter.store import calls_repo
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import lead_events

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
        call = calls_repo.find(conn, agency_id, sid)
        if call is not None and call.status == "dialing":
            # The provider retried its request: the same answer.
            return _redial(conn, container, call)
        if call is not None and call.status != "gathering":
            return Done()
        if call is None:
            call = calls_repo.add(conn, agency_id=agency_id, sid=sid, phone=phone, now=now)
        earlier = callers_leads(conn, agency_id, phone)
        taken = earlier_lead(earlier)
        if taken is None:
            place = _place(params)
            if not place and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)

            def default() -> str:
                return calls_policy(conn, container.routing, agency_id).default_insurance_type

            taken = take_in_call(
                uow,
                agency_id=agency_id,
                phone=phone,
                place=place,
                params=params,
                earlier=earlier,
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
                    earlier=earlier,
                    policy_default=default,
                    now=now,
                )
            assert taken is not None
        # The new lead's messages and the routing's go out in one write at the end.
        staged = OutboxRepository(conn)
        if taken.row is not None:  # a new lead (not a repeat of a recent one)
            view = announcements.LeadView.of(taken.row)
            announcements.on_created(staged, lead=view, now=now)
        lock_agency(conn, agency_id)
        line = taken.line.as_record()
        calls_repo.change(conn, call.id, lead_id=taken.lead_id, line=line)
        call = SimpleNamespace(**{**call._mapping, "lead_id": taken.lead_id, "line": line})
        step = _dial_or_fall_back(
            conn,
            container,
            call,
            agency_name,
            now,
            lead=taken.row,
            agency=taken.agency,
            outbox=staged,
        )
        version = taken.agency.webhooks_version if taken.agency is not None else None
        if version is not None:  # the agency's endpoints as of the version intake read
            endpoints = container.routing.webhooks.endpoints(conn, agency_id, version)
            staged.flush(endpoints={agency_id: endpoints})
        else:
            staged.flush()
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
        call = calls_repo.find(conn, agency_id, params.get("CallSid", "")[:64])
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
            version = calls_repo.last_policy_version(conn, call.lead_id)
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
        call = calls_repo.find(conn, agency_id, sid[:64])
        if call is None:
            raise NotFound("no such call")
        if status in ("in-progress", "answered") and call.status == "dialing":
            lock_agency(conn, agency_id)
            call = calls_repo.find(conn, agency_id, sid[:64])  # as it is under the lock
        if status in ("in-progress", "answered") and call.status == "dialing":
            who = _answerer(call, params.get("producer", ""))
            holder = answered_by(conn, container.routing, call=call, producer_id=who, now=now)
            contact = (call.lead_id, holder)
        elif status == "completed" and call.status == "bridged":
            _finish(conn, call, params, now)
        values = _details(params)
        if values:
            calls_repo.change(conn, call.id, **values)
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
    conn: sa.Connection,
    container: Container,
    call: Any,
    agency_name: str,
    now: datetime,
    *,
    lead: Any = None,
    agency: AgencyInfo | None = None,
    outbox: OutboxRepository | None = None,
) -> Step:
    step = next_dial(
        conn, container.routing, call=call, now=now, lead=lead, agency=agency, outbox=outbox
    )
    if isinstance(step, Fallback):
        calls_repo.change(conn, call.id, status="fallback", producer_id=None, updated_at=now)
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
    calls_repo.change(conn, call.id, status="completed", updated_at=now, **_details(params))


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


def _answerer(call: Any, named: str) -> int:
    """The producer whose leg answered (named in its callback URL), if they were rung."""
    ringing = [int(p) for p in (call.ringing or [call.producer_id])]
    return int(named) if named.isdigit() and int(named) in ringing else int(call.producer_id)


def _redial(conn: sa.Connection, container: Container, call: Any) -> Step:
    group = [int(p) for p in (call.ringing or [call.producer_id])]
    phones = calls_repo.phones(conn, group)
    plan = calls_policy(conn, container.routing, call.agency_id)
    targets = tuple(Target(pid, phones.get(pid, "")) for pid in group)
    return Dial(targets, int(call.rings), plan.dial_timeout_seconds)
