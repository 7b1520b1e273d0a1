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
from leadrouter.notify.inapp import alert_of
from leadrouter.notify.messages import email_payload
from leadrouter.notify.templates import render_text
from leadrouter.store.outbox import OutboxRepository
from leadrouter.store.tables import agencies, leads, producers


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


def _alert(
    outbox: OutboxRepository,
    *,
    agency_id: int,
    kind: str,
    message: str,
    now: datetime,
    producer_id: int | None = None,
    role: str | None = None,
    lead_id: int | None = None,
    dedupe_key: str | None = None,
) -> None:
    recipient, payload = alert_of(
        kind=kind, message=message, producer_id=producer_id, role=role, lead_id=lead_id
    )
    outbox.stage(
        agency_id=agency_id,
        channel="inapp",
        event=kind,
        recipient=recipient,
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
    )


def _email(
    outbox: OutboxRepository,
    *,
    agency_id: int,
    event: str,
    to: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    consumer_lead_id: int | None = None,
    dedupe_key: str | None = None,
) -> None:
    outbox.stage(
        agency_id=agency_id,
        channel="email",
        event=event,
        recipient=to,
        payload=email_payload(template, context, consumer_lead_id=consumer_lead_id),
        now=now,
        dedupe_key=dedupe_key,
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
    _alert(
        outbox,
        agency_id=lead.agency_id,
        kind=event,
        message=render_text(template, context),
        now=now,
        producer_id=producer.id,
        lead_id=lead.id,
    )
    _email(
        outbox,
        agency_id=lead.agency_id,
        event=event,
        to=producer.email,
        template=template,
        context=context,
        now=now,
    )
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
        _alert(
            outbox,
            agency_id=lead.agency_id,
            kind="lead.queued",
            message=render_text("lead_queued", ctx),
            now=now,
            role=role,
            lead_id=lead.id,
            dedupe_key=f"lead.queued:{lead.id}:{role}",
        )
    if lead.email and not lead.do_not_contact:
        # Email is not bound by the 08:00-21:00 rule that covers calls and texts.
        _email(
            outbox,
            agency_id=lead.agency_id,
            event="lead.acknowledged",
            to=lead.email,
            template="consumer_ack",
            context=ctx,
            now=now,
            consumer_lead_id=lead.id,
            dedupe_key=ack_key(lead.email, now),
        )
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
    outbox.stage(
        agency_id=lead.agency_id,
        channel="sms",
        event="lead.acknowledged",
        recipient=lead.phone,
        payload={
            "template": "consumer_ack",
            "body": render_text("consumer_ack", context),
            "consumer_lead_id": lead.id,
        },
        now=now,
        not_before=hours.next_open(now, zone),
        dedupe_key=ack_key(lead.phone, now),
    )


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
    if owner is None:
        for role in (Role.SUPERVISOR, Role.MANAGER):
            _alert(
                outbox,
                agency_id=lead.agency_id,
                kind="lead.repeated",
                message=render_text("asked_again", ctx),
                now=now,
                role=role,
                lead_id=lead.id,
                dedupe_key=f"{key}:{role}",
            )
        return
    _alert(
        outbox,
        agency_id=lead.agency_id,
        kind="lead.repeated",
        message=render_text("asked_again", ctx),
        now=now,
        producer_id=owner.id,
        lead_id=lead.id,
        dedupe_key=f"{key}:inapp",
    )
    _email(
        outbox,
        agency_id=lead.agency_id,
        event="lead.repeated",
        to=owner.email,
        template="asked_again",
        context=ctx,
        now=now,
        dedupe_key=f"{key}:email",
    )


def person(conn: sa.Connection, producer_id: int) -> Person:
    """The producer's id, name and email, for a message."""
    return _person(conn, producer_id)


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


def _lead_view(conn: sa.Connection, lead_id: int) -> LeadView:
    return LeadView.of(conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one())


def _person(conn: sa.Connection, producer_id: int) -> Person:
    r = conn.execute(
        sa.select(producers.c.id, producers.c.name, producers.c.email).where(
            producers.c.id == producer_id
        )
    ).one()
    return Person(int(r.id), r.name, r.email)


def _agency_name(conn: sa.Connection, agency_id: int) -> str:
    return str(
        conn.execute(sa.select(agencies.c.name).where(agencies.c.id == agency_id)).scalar_one()
    )


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
        lead=_lead_view(conn, lead_id),
        agency_name=_agency_name(conn, agency_id),
        old=_person(conn, from_producer),
        new=_person(conn, to_producer) if to_producer is not None else None,
        reason=reason,
        now=now,
    )
    outbox.flush()
