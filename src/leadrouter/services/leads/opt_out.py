"""Inbound texts and consent: STOP opts a consumer out, START opts them back in.

The hook that calls this has already checked the provider's signature. An opt-out is recorded
on each of the agency's leads with the sender's number as an ``sms_opt_out`` event; the time
engine then stops every consumer message and call reminder, and the SMS and email channels
refuse anything still waiting in the outbox. START (or UNSTOP, YES) clears the flag again with
an ``sms_opt_in`` event; HELP gets the agency's name and how to stop. A manager can clear the
flag of one lead with a reason, recorded as a ``do_not_contact_cleared`` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from leadrouter.domain.timers import is_stop_keyword
from leadrouter.errors import NotFound
from leadrouter.intake.phones import InvalidPhone, to_e164
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork

START_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})


class Keyword(StrEnum):
    """What an inbound text asks for, as carriers define the keywords."""

    STOP = "stop"
    START = "start"
    HELP = "help"
    NONE = "none"


@dataclass(frozen=True)
class InboundSms:
    keyword: Keyword
    lead_ids: list[int]

    @property
    def opted_out(self) -> bool:
        return self.keyword is Keyword.STOP


def keyword_of(body: str) -> Keyword:
    """The carrier keyword a text is (alone, any case, stray punctuation ignored)."""
    if is_stop_keyword(body):
        return Keyword.STOP
    word = body.strip(" \t\r\n.!?").upper()
    if word in START_KEYWORDS:
        return Keyword.START
    if word in HELP_KEYWORDS:
        return Keyword.HELP
    return Keyword.NONE


def e164(raw: str) -> str:
    """The number in E.164 as leads store it; unchanged when it is not a valid number."""
    try:
        return to_e164(raw)
    except InvalidPhone:
        return raw.strip()


_EVENT = {Keyword.STOP: "sms_opt_out", Keyword.START: "sms_opt_in"}


def receive_inbound_sms(
    *, uow: UnitOfWork, agency_id: int, from_number: str, body: str, now: datetime
) -> InboundSms:
    """Record a consumer's (verified) text to the agency; STOP and START change consent."""
    phone = e164(from_number)
    keyword = keyword_of(body)
    with uow:
        lead_ids = list(
            uow.conn.execute(
                sa.select(leads.c.id)
                .where(leads.c.agency_id == agency_id, leads.c.phone == phone)
                .order_by(leads.c.id)
            ).scalars()
        )
        if keyword in (Keyword.STOP, Keyword.START) and lead_ids:
            uow.conn.execute(
                leads.update()
                .where(leads.c.id.in_(lead_ids))
                .values(do_not_contact=keyword is Keyword.STOP)
            )
        kind = _EVENT.get(keyword, "sms_received")
        for lead_id in lead_ids:
            uow.leads.record_event(
                agency_id=agency_id,
                lead_id=lead_id,
                type=kind,
                data={"channel": "sms", "from": phone, "text": body[:480]},
                now=now,
            )
        uow.commit()
    return InboundSms(keyword=keyword, lead_ids=lead_ids)


def clear_do_not_contact(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, reason: str, actor: str, now: datetime
) -> None:
    """A manager lets the agency contact a lead again; who and why are recorded."""
    with uow:
        found = uow.conn.execute(
            sa.select(leads.c.do_not_contact)
            .where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
            .with_for_update()
        ).first()
        if found is None:
            raise NotFound(f"lead {lead_id} does not exist")
        uow.conn.execute(leads.update().where(leads.c.id == lead_id).values(do_not_contact=False))
        uow.leads.record_event(
            agency_id=agency_id,
            lead_id=lead_id,
            type="do_not_contact_cleared",
            data={"actor": actor, "reason": reason, "was": bool(found.do_not_contact)},
            now=now,
        )
        uow.commit()
