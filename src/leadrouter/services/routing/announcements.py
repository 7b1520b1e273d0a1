"""What the outside world hears when a lead is created, assigned, queued or reassigned.

Every message is staged on the unit of work's outbox (``uow.outbox``) and written with the
others of the decision in one statement, inside the caller's transaction, so it is sent if
and only if the decision commits. ``reassigned`` reads what it needs; the routing hot path
(the ``on_*`` forms) passes what it already holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.domain.timer_policy import ContactHours
from leadrouter.notify.inapp import alert
from leadrouter.notify.messages import email, sms
from leadrouter.notify.templates import render_text
from leadrouter.store.agency_repo import agency_info
from leadrouter.store.leads import lead_row
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.roster_repo import producer_contact


@dataclass(frozen=True)
class LeadView:
    """The parts of a lead that messages and webhook payloads show."""

    id: int
    agency_id: int
    status: str
    first_name: str
    last_name: str
    email: str | None
    insurance_type: str
    state: str | None
    zip: str | None
    source: str | None
    do_not_contact: bool
    phone: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, lead: Any, *, status: str | None = None) -> LeadView:
        """From a leads row or a domain Lead (``status`` overrides a stale one)."""
        source = getattr(lead, "source_name", None) or getattr(lead, "source", None)
        return cls(
            lead.id,
            lead.agency_id,
            str(status or lead.status),
            lead.first_name,
            lead.last_name,
            lead.email,
            lead.insurance_type,
            lead.state,
            lead.zip,
            source,
            bool(lead.do_not_contact),
            getattr(lead, "phone", None),
            getattr(lead, "timezone", None),
        )


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


def context_for(lead: LeadView, agency_name: str, producer: Person | None) -> dict[str, Any]:
    """Template variables naming the lead, the agency and the producer (see notify.templates)."""
    return {
        "agency_name": agency_name,
        "producer_name": producer.name if producer is not None else "",
        "lead_name": f"{lead.first_name} {lead.last_name}".strip(),
        "lead_first_name": lead.first_name,
        "lead_id": lead.id,
        "insurance_type": lead.insurance_type.replace("_", " "),
        "accept_by": None,
    }


def webhook_data(lead: LeadView, **extra: Any) -> dict[str, Any]:
    """The ``data`` of a lead's webhook event: the lead's public fields and ``extra``."""
    return {
        "lead_id": lead.id,
        "status": lead.status,
        "insurance_type": lead.insurance_type,
        "state": lead.state,
        "zip": lead.zip,
        "source": lead.source,
        **extra,
    }


def on_created(outbox: OutboxRepository, *, lead: LeadView, now: datetime) -> None:
    """A new lead was stored."""
    outbox.stage_webhook(
        agency_id=lead.agency_id,
        event="lead.created",
        data=webhook_data(lead),
        now=now,
        dedupe_key=f"lead.created:{lead.id}",
    )


def _tell_producer(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    producer: Person,
    event: str,
    template: str,
    context: dict[str, Any],
    webhook: dict[str, Any],
    now: datetime,
) -> None:
    """An in-app alert and an email to the producer, and the webhook for the integrations."""
    text = render_text(template, context)
    for message in (
        alert(kind=event, message=text, producer_id=producer.id, lead_id=lead.id),
        email(event=event, to=producer.email, template=template, context=context),
    ):
        outbox.stage(message, agency_id=lead.agency_id, now=now)
    outbox.stage_webhook(agency_id=lead.agency_id, event=event, data=webhook, now=now)


def on_assigned(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    agency_name: str,
    producer: Person,
    kind: str,
    now: datetime,
    accept_by: datetime | None = None,
) -> None:
    """Tell the producer (in-app and email) and the integrations (webhook)."""
    ctx = context_for(lead, agency_name, producer)
    ctx["accept_by"] = accept_by.isoformat(timespec="minutes") if accept_by else None
    _tell_producer(
        outbox,
        lead=lead,
        producer=producer,
        event="lead.assigned",
        template="new_lead",
        context=ctx,
        webhook=webhook_data(lead, producer_id=producer.id, how=kind),
        now=now,
    )


def ack_key(contact: str, now: datetime) -> str:
    """At most one acknowledgement per address (or number) per UTC day, however many leads
    name it (a form flooded with one victim's address sends them one message); hashed, not
    stored."""
    digest = hashlib.sha256(contact.strip().lower().encode()).hexdigest()[:32]
    return f"lead.ack:{digest}:{now.astimezone(UTC).date().isoformat()}"


def on_queued(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    agency_name: str,
    reason: str,
    now: datetime,
    contact_hours: ContactHours | None = None,
    agency_tz: str | None = None,
) -> None:
    """Alert the supervisors, acknowledge the consumer (by email, else by text within
    ``contact_hours``), tell the integrations."""
    ctx = context_for(lead, agency_name, None) | {"reason": reason}
    for role in (Role.SUPERVISOR, Role.MANAGER):
        queued = alert(
            kind="lead.queued",
            message=render_text("lead_queued", ctx),
            role=role,
            lead_id=lead.id,
            dedupe_key=f"lead.queued:{lead.id}:{role}",
        )
        outbox.stage(queued, agency_id=lead.agency_id, now=now)
    if lead.email and not lead.do_not_contact:
        # Email is not bound by the 08:00-21:00 rule that covers calls and texts.
        ack = email(
            event="lead.acknowledged",
            to=lead.email,
            template="consumer_ack",
            context=ctx,
            consumer_lead_id=lead.id,
            dedupe_key=ack_key(lead.email, now),
        )
        outbox.stage(ack, agency_id=lead.agency_id, now=now)
    elif lead.phone and not lead.do_not_contact and contact_hours is not None:
        _text_ack(outbox, lead=lead, context=ctx, hours=contact_hours, agency_tz=agency_tz, now=now)
    outbox.stage_webhook(
        agency_id=lead.agency_id,
        event="lead.queued",
        data=webhook_data(lead, reason=reason),
        now=now,
    )


def _text_ack(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    context: dict[str, Any],
    hours: ContactHours,
    agency_tz: str | None,
    now: datetime,
) -> None:
    """A phone-only consumer's acknowledgement: a text, held until their contact hours open
    (the SMS channel still refuses it if they opt out before then)."""
    assert lead.phone is not None
    zone = lead.timezone or agency_tz or "America/New_York"
    text = sms(
        event="lead.acknowledged",
        to=lead.phone,
        template="consumer_ack",
        context=context,
        consumer_lead_id=lead.id,
        dedupe_key=ack_key(lead.phone, now),
    )
    outbox.stage(text, agency_id=lead.agency_id, now=now, not_before=hours.next_open(now, zone))


def on_repeated(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    agency_name: str,
    owner: Person | None,
    times: int,
    touch_id: int,
    now: datetime,
) -> None:
    """The consumer asked again for the same line: tell the lead's owner (in-app and email),
    or the supervisors and managers (in-app) when nobody owns it yet."""
    ctx = context_for(lead, agency_name, owner) | {"times": times}
    key = f"lead.repeated:{lead.id}:{touch_id}"
    text = render_text("asked_again", ctx)
    if owner is None:
        for role in (Role.SUPERVISOR, Role.MANAGER):
            told = alert(
                kind="lead.repeated",
                message=text,
                role=role,
                lead_id=lead.id,
                dedupe_key=f"{key}:{role}",
            )
            outbox.stage(told, agency_id=lead.agency_id, now=now)
        return
    for message in (
        alert(
            kind="lead.repeated",
            message=text,
            producer_id=owner.id,
            lead_id=lead.id,
            dedupe_key=f"{key}:inapp",
        ),
        email(
            event="lead.repeated",
            to=owner.email,
            template="asked_again",
            context=ctx,
            dedupe_key=f"{key}:email",
        ),
    ):
        outbox.stage(message, agency_id=lead.agency_id, now=now)


def person(conn: sa.Connection, agency_id: int, producer_id: int) -> Person:
    """The producer's id, name and email, for a message."""
    return _person(conn, agency_id, producer_id)


def on_reassigned(
    outbox: OutboxRepository,
    *,
    lead: LeadView,
    agency_name: str,
    old: Person,
    new: Person | None,
    reason: str,
    now: datetime,
) -> None:
    """Tell the original producer why the lead left them, and the integrations."""
    ctx = context_for(lead, agency_name, old) | {
        "reason": reason,
        "from_producer": old.name,
        "to_producer": new.name if new is not None else "the queue",
    }
    _tell_producer(
        outbox,
        lead=lead,
        producer=old,
        event="lead.reassigned",
        template="reassigned",
        context=ctx,
        webhook=webhook_data(
            lead,
            from_producer_id=old.id,
            to_producer_id=new.id if new is not None else None,
            reason=reason,
        ),
        now=now,
    )


# --- the same, for callers holding only ids ------------------------------------------------


def reassigned(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    from_producer: int,
    to_producer: int | None,
    reason: str,
    now: datetime,
) -> None:
    """``on_reassigned`` for a caller holding ids, written at once."""
    outbox = OutboxRepository(conn)
    on_reassigned(
        outbox,
        lead=LeadView.of(lead_row(conn, agency_id, lead_id)),
        agency_name=agency_info(conn, agency_id).name,
        old=_person(conn, agency_id, from_producer),
        new=_person(conn, agency_id, to_producer) if to_producer is not None else None,
        reason=reason,
        now=now,
    )
    outbox.flush()


def _person(conn: sa.Connection, agency_id: int, producer_id: int) -> Person:
    contact = producer_contact(conn, agency_id, producer_id)
    return Person(int(contact.id), contact.name, contact.email)
