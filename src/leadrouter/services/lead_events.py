"""What the outside world hears when a lead is assigned, queued or reassigned.

Every message goes into the transactional outbox inside the caller's transaction, so it is
sent if and only if the decision commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.notify.messages import enqueue_email
from leadrouter.notify.templates import render_text
from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.store.tables import agencies, leads, producers


def _lead(conn: sa.Connection, lead_id: int) -> Any:
    return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).first()


def _producer(conn: sa.Connection, producer_id: int) -> Any:
    return conn.execute(
        sa.select(producers.c.id, producers.c.name, producers.c.email)
        .where(producers.c.id == producer_id)
    ).first()


def _context(conn: sa.Connection, lead: Any, producer: Any | None) -> dict[str, Any]:
    agency_name = conn.execute(
        sa.select(agencies.c.name).where(agencies.c.id == lead.agency_id)).scalar_one()
    return {
        "agency_name": agency_name,
        "producer_name": producer.name if producer is not None else "",
        "lead_name": f"{lead.first_name} {lead.last_name}".strip(),
        "lead_first_name": lead.first_name,
        "lead_id": lead.id,
        "insurance_type": lead.insurance_type.replace("_", " "),
        "accept_by": None,
    }


def _webhook_data(lead: Any, **extra: Any) -> dict[str, Any]:
    return {
        "lead_id": lead.id, "status": lead.status, "insurance_type": lead.insurance_type,
        "state": lead.state, "zip": lead.zip, "source": lead.source_name, **extra,
    }


def created(conn: sa.Connection, *, agency_id: int, lead_id: int, now: datetime) -> None:
    """A new lead was stored."""
    lead = _lead(conn, lead_id)
    enqueue_webhook_event(conn, agency_id=agency_id, event="lead.created",
                          data=_webhook_data(lead), now=now,
                          dedupe_key=f"lead.created:{lead_id}")


def assigned(
    conn: sa.Connection, *, agency_id: int, lead_id: int, producer_id: int, kind: str,
    now: datetime, accept_by: datetime | None = None,
) -> None:
    """Tell the producer (in-app and email) and the integrations (webhook)."""
    lead, producer = _lead(conn, lead_id), _producer(conn, producer_id)
    ctx = _context(conn, lead, producer)
    ctx["accept_by"] = accept_by.isoformat(timespec="minutes") if accept_by else None
    enqueue_alert(conn, agency_id=agency_id, kind="lead.assigned",
                  message=render_text("new_lead", ctx), now=now, producer_id=producer_id,
                  lead_id=lead_id)
    enqueue_email(conn, agency_id=agency_id, event="lead.assigned", to=producer.email,
                  template="new_lead", context=ctx, now=now)
    enqueue_webhook_event(conn, agency_id=agency_id, event="lead.assigned",
                          data=_webhook_data(lead, producer_id=producer_id, how=kind), now=now)


def queued(
    conn: sa.Connection, *, agency_id: int, lead_id: int, reason: str, now: datetime
) -> None:
    """Alert the supervisors, acknowledge the consumer, tell the integrations."""
    lead = _lead(conn, lead_id)
    ctx = _context(conn, lead, None) | {"reason": reason}
    for role in (Role.SUPERVISOR, Role.MANAGER):
        enqueue_alert(conn, agency_id=agency_id, kind="lead.queued",
                      message=render_text("lead_queued", ctx), now=now, role=role,
                      lead_id=lead_id, dedupe_key=f"lead.queued:{lead_id}:{role}")
    if lead.email and not lead.do_not_contact:
        # Email is not bound by the 08:00-21:00 rule that covers calls and texts.
        enqueue_email(conn, agency_id=agency_id, event="lead.acknowledged", to=lead.email,
                      template="consumer_ack", context=ctx, now=now,
                      consumer_lead_id=lead_id, dedupe_key=f"lead.ack:{lead_id}")
    enqueue_webhook_event(conn, agency_id=agency_id, event="lead.queued",
                          data=_webhook_data(lead, reason=reason), now=now)


def reassigned(
    conn: sa.Connection, *, agency_id: int, lead_id: int, from_producer: int,
    to_producer: int | None, reason: str, now: datetime,
) -> None:
    """Tell the original producer why the lead left them, and the integrations."""
    lead = _lead(conn, lead_id)
    old = _producer(conn, from_producer)
    new = _producer(conn, to_producer) if to_producer is not None else None
    ctx = _context(conn, lead, old) | {
        "reason": reason, "from_producer": old.name,
        "to_producer": new.name if new is not None else "the queue",
    }
    enqueue_alert(conn, agency_id=agency_id, kind="lead.reassigned",
                  message=render_text("reassigned", ctx), now=now, producer_id=from_producer,
                  lead_id=lead_id)
    enqueue_email(conn, agency_id=agency_id, event="lead.reassigned", to=old.email,
                  template="reassigned", context=ctx, now=now)
    enqueue_webhook_event(
        conn, agency_id=agency_id, event="lead.reassigned",
        data=_webhook_data(lead, from_producer_id=from_producer, to_producer_id=to_producer,
                           reason=reason), now=now)
