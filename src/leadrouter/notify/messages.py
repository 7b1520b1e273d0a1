"""Rendered emails and texts as outbox messages, and the calls that queue them at once.

``email``/``sms`` build the message (the rendered template and how to send it); a service
either writes it inside its own transaction (``enqueue_email``/``enqueue_sms``) or stages it
on the unit of work's outbox with the rest of a decision (``uow.outbox.stage``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

import sqlalchemy as sa

from leadrouter.notify import outbox
from leadrouter.notify.templates import render_email, render_text
from leadrouter.store.outbox import Message


class SmsFields(TypedDict):
    """What a text says and to whom (``to`` in E.164)."""

    event: str
    to: str
    template: str
    context: dict[str, Any]
    consumer_lead_id: NotRequired[int | None]
    dedupe_key: NotRequired[str | None]


class EmailFields(SmsFields):
    """What an email says and to whom; ``from_name``/``reply_to`` send it in a producer's name."""

    from_name: NotRequired[str | None]
    reply_to: NotRequired[str | None]


def email(**fields: Unpack[EmailFields]) -> Message:
    """An email: the rendered template and how to send it.

    ``consumer_lead_id`` marks an email to a consumer: it is not sent if that lead becomes
    do-not-contact before delivery.
    """
    return Message(
        "email",
        fields["event"],
        fields["to"],
        email_payload(
            fields["template"],
            fields["context"],
            from_name=fields.get("from_name"),
            reply_to=fields.get("reply_to"),
            consumer_lead_id=fields.get("consumer_lead_id"),
        ),
        fields.get("dedupe_key"),
    )


def sms(**fields: Unpack[SmsFields]) -> Message:
    """A text: the rendered template. Contact hours are the time engine's business."""
    payload = {
        "template": fields["template"],
        "body": render_text(fields["template"], fields["context"]),
        "consumer_lead_id": fields.get("consumer_lead_id"),
    }
    return Message("sms", fields["event"], fields["to"], payload, fields.get("dedupe_key"))


def enqueue_email(
    conn: sa.Connection, *, agency_id: int, now: datetime, **fields: Unpack[EmailFields]
) -> int:
    """Render the email template and put the email in the outbox (see ``email``)."""
    return outbox.put(conn, email(**fields), agency_id=agency_id, now=now)


def enqueue_sms(
    conn: sa.Connection, *, agency_id: int, now: datetime, **fields: Unpack[SmsFields]
) -> int:
    """Render the text template and put the text in the outbox (see ``sms``)."""
    return outbox.put(conn, sms(**fields), agency_id=agency_id, now=now)


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
