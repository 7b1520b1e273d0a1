"""Inbound texts: a consumer's STOP (or QUIT, CANCEL, ...) makes their leads do-not-contact.

The opt-out is recorded on each matching lead as an ``sms_opt_out`` event; the time engine then
stops every consumer message and call reminder, and the SMS and email channels refuse anything
for those leads still waiting in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leadrouter.domain.timers import is_stop_keyword
from leadrouter.errors import NotFound
from leadrouter.intake.phones import InvalidPhone, to_e164
from leadrouter.store.tables import agencies, lead_events, leads
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class InboundSms:
    opted_out: bool
    lead_ids: list[int]


def e164(raw: str) -> str:
    """The number in E.164 as leads store it; unchanged when it is not a valid number."""
    try:
        return to_e164(raw)
    except InvalidPhone:
        return raw.strip()


def receive_inbound_sms(
    *, uow: UnitOfWork, form_key: str, from_number: str, body: str, now: datetime
) -> InboundSms:
    """Record a consumer's text to the agency; an opt-out keyword flags their leads."""
    phone = e164(from_number)
    with uow:
        agency_id = uow.conn.execute(
            sa.select(agencies.c.id).where(agencies.c.public_form_key == form_key)
        ).scalar()
        if agency_id is None:
            raise NotFound("unknown form")
        lead_ids = list(
            uow.conn.execute(
                sa.select(leads.c.id)
                .where(leads.c.agency_id == agency_id, leads.c.phone == phone)
                .order_by(leads.c.id)
            ).scalars()
        )
        stop = is_stop_keyword(body)
        if stop and lead_ids:
            uow.conn.execute(
                leads.update().where(leads.c.id.in_(lead_ids)).values(do_not_contact=True)
            )
        kind = "sms_opt_out" if stop else "sms_received"
        for lead_id in lead_ids:
            uow.conn.execute(
                lead_events.insert().values(
                    agency_id=agency_id,
                    lead_id=lead_id,
                    type=kind,
                    at=now,
                    created_at=now,
                    data={"channel": "sms", "from": phone, "text": body[:480]},
                )
            )
        uow.commit()
    return InboundSms(opted_out=stop, lead_ids=lead_ids)
