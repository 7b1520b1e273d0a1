"""A live call from answer to hang-up: find or ask the caller's place, take the call in as a
lead through intake, ring producers by the dial plan, and fall back when nobody answers.

Each is a use case of one shape, ``verb_noun(*, uow, caches, now, hook)``, and one
transaction, whose first step finds the agency and checks the provider's signature (one
round trip, not a transaction of its own); a contact made
(the call was answered) is logged in it through the activities step, so the speed timer,
escalation and cadence react as to any other contact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import NotFound
from leadrouter.services.admin.security import HookAgency
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
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.store import calls_repo
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.locks import lock_agency
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.uow import UnitOfWork

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


@dataclass(frozen=True)
class Hook:
    """One provider request about a call: its fields, and ``signed``, which finds the agency
    it is for and checks the request's signature (``Forbidden``) in the use case's
    transaction, before anything is written: an unsigned request changes nothing."""

    params: Mapping[str, str]
    signed: Callable[[sa.Connection], HookAgency]


def answer_call(*, uow: UnitOfWork, caches: RoutingCaches, now: datetime, hook: Hook) -> Step:
    """The answer to an inbound call or live transfer (again after a ZIP was gathered)."""
    params = hook.params
    sid = params.get("CallSid", "")[:64]
    phone = e164(params.get("From", ""))[:40]
    raw_tries = params.get("tries", "")
    tries = min(int(raw_tries), MAX_ZIP_TRIES) if raw_tries.isdigit() else 0
    with uow:
        conn = uow.conn
        agency = hook.signed(conn)
        agency_id, policy_version = agency.agency_id, agency.policy_version
        # No agency lock yet: intake takes its contact locks first and the agency's routing
        # lock after (as for every lead), so this path keeps that order to never deadlock.
        call = calls_repo.open_call(conn, agency_id=agency_id, sid=sid, phone=phone, now=now)
        if call.status == "dialing":
            # The provider retried its request: the same answer.
            return _redial(conn, caches, call, policy_version)
        if call.status != "gathering":
            return Done()
        earlier = callers_leads(conn, agency_id, phone)
        taken = earlier_lead(earlier)
        if taken is None:
            place = _place(params)
            if not place and tries < MAX_ZIP_TRIES:
                uow.commit()
                return AskZip(tries + 1)

            def default() -> str:
                plan = calls_policy(conn, caches, agency_id, version=policy_version)
                return plan.default_insurance_type

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
        version = taken.agency.webhooks_version if taken.agency is not None else None
        if version is not None:  # the agency's endpoints as of the version intake read
            staged.know({agency_id: caches.webhooks.endpoints(conn, agency_id, version)})
        if taken.row is not None:  # a new lead (not a repeat of a recent one)
            view = announcements.LeadView.of(taken.row)
            announcements.on_created(staged, lead=view, now=now)
        lock_agency(conn, agency_id)
        # The call's lead and line are written with the dial plan's own change of the row.
        line = taken.line.as_record()
        call = SimpleNamespace(**{**call._mapping, "lead_id": taken.lead_id, "line": line})
        step = _dial_or_fall_back(
            conn,
            caches,
            call,
            agency.name,
            now,
            lead=taken.row,
            agency=taken.agency,
            outbox=staged,
        )
        staged.flush()
        uow.commit()
    return step


def dial_result(*, uow: UnitOfWork, caches: RoutingCaches, now: datetime, hook: Hook) -> Step:
    """After a Dial ended: answered → done (a contact made); otherwise the next producer."""
    params = hook.params
    status = params.get("DialCallStatus", "failed")[:20]
    with uow:
        conn = uow.conn
        agency = hook.signed(conn)
        agency_id = agency.agency_id
        lock_agency(conn, agency_id)
        call = calls_repo.find(conn, agency_id, params.get("CallSid", "")[:64])
        if call is None or call.status not in ("dialing", "bridged"):
            return Done()
        if status in ANSWERED:
            if call.status == "dialing":
                # No status callback named who answered: the producer holding the lead did.
                holder = answered_by(conn, caches, call=call, producer_id=call.producer_id, now=now)
                _contact_made(conn, caches, agency_id, call.lead_id, holder, now)
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
            step = _dial_or_fall_back(conn, caches, call, agency.name, now)
        uow.commit()
    return step


def call_status(*, uow: UnitOfWork, caches: RoutingCaches, now: datetime, hook: Hook) -> Step:
    """A status callback: ringing, answered, completed (duration, recording) update the lead;
    the call goes on as it was (``Done``: nothing to say to the provider)."""
    params = hook.params
    status = params.get("CallStatus", "")[:20]
    with uow:
        conn = uow.conn
        agency_id = hook.signed(conn).agency_id
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
            holder = answered_by(conn, caches, call=call, producer_id=who, now=now)
            _contact_made(conn, caches, agency_id, call.lead_id, holder, now)
        elif status == "completed" and call.status == "bridged":
            _finish(conn, call, params, now)
        values = _details(params)
        if values:
            calls_repo.change(conn, call.id, **values)
        if call.lead_id is not None:
            uow.leads.record_event(
                agency_id=agency_id,
                lead_id=call.lead_id,
                type="call_status",
                data={"call_sid": call.call_sid, "status": status, **values},
                now=now,
            )
        uow.commit()
    return Done()


def _dial_or_fall_back(
    conn: sa.Connection,
    caches: RoutingCaches,
    call: Any,
    agency_name: str,
    now: datetime,
    *,
    lead: Any = None,
    agency: AgencyInfo | None = None,
    outbox: OutboxRepository | None = None,
) -> Step:
    step = next_dial(conn, caches, call=call, now=now, lead=lead, agency=agency, outbox=outbox)
    if isinstance(step, Fallback):
        calls_repo.change(
            conn,
            call.id,
            status="fallback",
            producer_id=None,
            lead_id=call.lead_id,
            line=call.line,
            updated_at=now,
        )
        acknowledge_missed_call(conn, caches, call=call, agency_name=agency_name, now=now)
    return step


def _contact_made(
    conn: sa.Connection,
    caches: RoutingCaches,
    agency_id: int,
    lead_id: int,
    producer_id: int,
    now: datetime,
) -> None:
    """The answered call is a contact made by the producer who holds its lead."""
    contact = activities.Activity(
        agency_id, lead_id, producer_id, activities.CONTACT, now, "live call answered"
    )
    activities.log_activity_in_tx(conn, caches, contact, now=now)


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


def _redial(conn: sa.Connection, caches: RoutingCaches, call: Any, policy_version: int) -> Step:
    group = [int(p) for p in (call.ringing or [call.producer_id])]
    phones = calls_repo.phones(conn, group)
    plan = calls_policy(conn, caches, call.agency_id, version=policy_version)
    targets = tuple(Target(pid, phones.get(pid, "")) for pid in group)
    return Dial(targets, int(call.rings), plan.dial_timeout_seconds)
