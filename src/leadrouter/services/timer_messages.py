"""The messages of the time engine: what an alert, a warning, a reminder or a follow-up sends.

Every message goes into the transactional outbox in the timer step's transaction, with a
dedupe key naming the lead, the assignment, the step and the channel, so a step's messages
exist once whatever happens (the step's key in ``done_steps`` commits with them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.domain.timer_policy import Channel, parse_duration
from leadrouter.domain.timers import (
    Action,
    AlertManager,
    AlertProducer,
    Defer,
    MessageConsumer,
    NotifyProducer,
    RemindProducer,
    WarnProducer,
)
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.notify.messages import enqueue_email, enqueue_sms
from leadrouter.notify.templates import EMAILS, render_text
from leadrouter.notify.webhook import enqueue_webhook_event
from leadrouter.store.tables import producers

ESCALATED = "lead.escalated"
REMINDER = "lead.reminder"
FOLLOW_UP = "lead.follow_up"
NOTICE = "lead.notice"


@dataclass(frozen=True)
class Scene:
    """Who and what a message about one assignment names."""

    agency_id: int
    agency_name: str
    lead: Any  # a leads row
    owner: Any  # a producers row: id, name, email, phone
    assignment_id: int
    started_at: datetime

    def context(self, reason: str = "", accept_by: datetime | None = None) -> dict[str, Any]:
        """Template variables (see notify.templates)."""
        lead = self.lead
        return {
            "agency_name": self.agency_name,
            "producer_name": self.owner.name,
            "lead_name": f"{lead.first_name} {lead.last_name}".strip(),
            "lead_first_name": lead.first_name,
            "lead_id": lead.id,
            "insurance_type": lead.insurance_type.replace("_", " "),
            "accept_by": accept_by.isoformat(timespec="minutes") if accept_by else None,
            "reason": reason,
        }

    def dedupe(self, key: str, channel: str, who: object = "") -> str:
        return f"timer:{self.lead.id}:{self.assignment_id}:{key}:{channel}:{who}"

    def webhook_data(self, **extra: Any) -> dict[str, Any]:
        lead = self.lead
        return {
            "lead_id": lead.id,
            "status": lead.status,
            "insurance_type": lead.insurance_type,
            "state": lead.state,
            "zip": lead.zip,
            "source": lead.source_name,
            **extra,
        }


def carry_out(conn: sa.Connection, scene: Scene, action: Action, now: datetime) -> int:
    """Queue what ``action`` sends (never a reassignment or an offer); the number of messages."""
    if isinstance(action, AlertProducer | WarnProducer):
        reason = reason_of(action.key)
        template = "alert_producer" if isinstance(action, AlertProducer) else "warn_producer"
        sent = tell_owner(
            conn,
            scene,
            action.key,
            action.channels,
            template,
            "warn_producer",
            ESCALATED,
            scene.context(reason),
            now,
        )
        escalated(conn, scene, action.key, reason, now)
        return sent
    if isinstance(action, AlertManager):
        sent = _tell_managers(conn, scene, action, now)
        escalated(conn, scene, action.key, action.reason, now)
        return sent
    if isinstance(action, RemindProducer):
        return tell_owner(
            conn,
            scene,
            action.key,
            (Channel.INAPP, Channel.EMAIL),
            action.template,
            action.template,
            REMINDER,
            scene.context(),
            now,
        )
    if isinstance(action, NotifyProducer):
        if action.due_at <= scene.started_at:
            return 0  # the assignment's own transaction told the producer (lead_events.assigned)
        return tell_owner(
            conn,
            scene,
            action.key,
            (Channel.INAPP, Channel.EMAIL),
            action.template,
            action.template,
            NOTICE,
            scene.context(accept_by=action.accept_by),
            now,
        )
    if isinstance(action, MessageConsumer):
        return _message_consumer(conn, scene, action, now)
    if isinstance(action, Defer):
        return 0  # recorded in done_steps; the step itself comes due at ``until``
    raise TypeError(f"{type(action).__name__} is not a message")


def tell_owner(
    conn: sa.Connection,
    scene: Scene,
    key: str,
    channels: tuple[Channel, ...],
    text: str,
    email: str,
    event: str,
    context: dict[str, Any],
    now: datetime,
) -> int:
    """Tell the assignment's producer on each channel (a text only when they have a phone)."""
    owner, sent = scene.owner, 0
    for channel in channels:
        dedupe = scene.dedupe(key, channel)
        if channel == Channel.INAPP:
            enqueue_alert(
                conn,
                agency_id=scene.agency_id,
                kind=event,
                now=now,
                message=render_text(text, context),
                producer_id=owner.id,
                lead_id=scene.lead.id,
                dedupe_key=dedupe,
            )
        elif channel == Channel.EMAIL:
            enqueue_email(
                conn,
                agency_id=scene.agency_id,
                event=event,
                to=owner.email,
                template=email if email in EMAILS else "warn_producer",
                context=context,
                now=now,
                dedupe_key=dedupe,
            )
        elif owner.phone:
            enqueue_sms(
                conn,
                agency_id=scene.agency_id,
                event=event,
                to=owner.phone,
                template=text,
                context=context,
                now=now,
                dedupe_key=dedupe,
            )
        else:
            continue
        sent += 1
    return sent


def escalated(conn: sa.Connection, scene: Scene, step: str, reason: str, now: datetime) -> None:
    """The ``lead.escalated`` webhook: a rung of the ladder fired."""
    enqueue_webhook_event(
        conn,
        agency_id=scene.agency_id,
        event=ESCALATED,
        now=now,
        data=scene.webhook_data(producer_id=scene.owner.id, step=step, reason=reason),
        dedupe_key=scene.dedupe(step, "webhook"),
    )


def _tell_managers(conn: sa.Connection, scene: Scene, action: AlertManager, now: datetime) -> int:
    context, sent = scene.context(action.reason), 0
    managers = conn.execute(
        sa.select(producers.c.id, producers.c.email, producers.c.phone)
        .where(
            producers.c.agency_id == scene.agency_id,
            producers.c.role == Role.MANAGER,
            producers.c.active.is_(True),
        )
        .order_by(producers.c.id)
    ).all()
    for channel in action.channels:
        if channel == Channel.INAPP:
            enqueue_alert(
                conn,
                agency_id=scene.agency_id,
                kind=ESCALATED,
                now=now,
                message=render_text("alert_manager", context),
                role=Role.MANAGER,
                lead_id=scene.lead.id,
                dedupe_key=scene.dedupe(action.key, channel),
            )
            sent += 1
            continue
        for m in managers:
            dedupe = scene.dedupe(action.key, channel, m.id)
            if channel == Channel.EMAIL:
                enqueue_email(
                    conn,
                    agency_id=scene.agency_id,
                    event=ESCALATED,
                    to=m.email,
                    template="alert_manager",
                    context=context,
                    now=now,
                    dedupe_key=dedupe,
                )
            elif m.phone:
                enqueue_sms(
                    conn,
                    agency_id=scene.agency_id,
                    event=ESCALATED,
                    to=m.phone,
                    template="alert_manager",
                    context=context,
                    now=now,
                    dedupe_key=dedupe,
                )
            else:
                continue
            sent += 1
    return sent


def _message_consumer(
    conn: sa.Connection, scene: Scene, action: MessageConsumer, now: datetime
) -> int:
    lead, context = scene.lead, scene.context()
    dedupe = scene.dedupe(action.key, action.channel)
    if action.channel == Channel.SMS and lead.phone:
        enqueue_sms(
            conn,
            agency_id=scene.agency_id,
            event=FOLLOW_UP,
            to=lead.phone,
            template=action.template,
            context=context,
            now=now,
            consumer_lead_id=lead.id,
            dedupe_key=dedupe,
        )
        return 1
    if action.channel == Channel.EMAIL and lead.email:
        enqueue_email(
            conn,
            agency_id=scene.agency_id,
            event=FOLLOW_UP,
            to=lead.email,
            template=action.template,
            context=context,
            now=now,
            from_name=scene.owner.name,
            reply_to=scene.owner.email,
            consumer_lead_id=lead.id,
            dedupe_key=dedupe,
        )
        return 1
    return 0  # no number or no address for this channel: nothing to send


def reason_of(key: str) -> str:
    """ "not contacted within 15 minutes" for the rung key "esc:warn_producer:15m"."""
    seconds = int(parse_duration(key.rsplit(":", 1)[-1]).total_seconds())
    if seconds % 3600 == 0 and seconds:
        n, unit = seconds // 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds // 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"not contacted within {n} {unit}{'s' if n != 1 else ''}"
