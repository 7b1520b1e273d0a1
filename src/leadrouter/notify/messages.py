"""Queue rendered emails and texts: the calls a service makes inside its own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.notify import outbox
from leadrouter.notify.templates import render_email, render_text


def enqueue_email(
    conn: sa.Connection,
    *,
    agency_id: int,
    event: str,
    to: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    from_name: str | None = None,
    reply_to: str | None = None,
    consumer_lead_id: int | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Render the email template and put the email in the outbox.

    ``consumer_lead_id`` marks an email to a consumer: it is not sent if that lead becomes
    do-not-contact before delivery. ``from_name``/``reply_to`` send it in the producer's name.
    """
    payload = email_payload(
        template,
        context,
        from_name=from_name,
        reply_to=reply_to,
        consumer_lead_id=consumer_lead_id,
    )
    return outbox.enqueue(
        conn,
        agency_id=agency_id,
        channel="email",
        event=event,
        recipient=to,
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
    )


def email_payload(
    template: str,
    context: dict[str, Any],
    *,
    from_name: str | None = None,
    reply_to: str | None = None,
    consumer_lead_id: int | None = None,
) -> dict[str, Any]:
    """The outbox payload of an email: the rendered template and how to send it."""
    rendered = render_email(template, context)
    return {
        "template": template,
        "subject": rendered.subject,
        "body": rendered.body,
        "from_name": from_name,
        "reply_to": reply_to,
        "consumer_lead_id": consumer_lead_id,
    }


def enqueue_sms(
    conn: sa.Connection,
    *,
    agency_id: int,
    event: str,
    to: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    consumer_lead_id: int | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Render the text template and put the text in the outbox (``to`` in E.164).

    Contact hours are the time engine's business (it defers steps); this only queues.
    """
    payload = {
        "template": template,
        "body": render_text(template, context),
        "consumer_lead_id": consumer_lead_id,
    }
    return outbox.enqueue(
        conn,
        agency_id=agency_id,
        channel="sms",
        event=event,
        recipient=to,
        payload=payload,
        now=now,
        dedupe_key=dedupe_key,
    )
