"""The messages of the time engine: what an alert, a warning, a reminder or a follow-up sends.

Messages are gathered in the step's ``Messages`` (see ``timer_outbox``) and written to the
outbox in the step's transaction, each with a dedupe key naming the lead, the assignment, the
step and the channel: a step's messages exist once, and commit with the step's key in
``done_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.domain.timer_policy import Channel
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
from leadrouter.notify.templates import EMAILS, render_text
from leadrouter.services.routing.announcements import LeadView, context_for, webhook_data
from leadrouter.services.timers.outbox import Messages
from leadrouter.store.tables import producers, webhook_endpoints

ESCALATED = "lead.escalated"
REMINDER = "lead.reminder"
FOLLOW_UP = "lead.follow_up"
NOTICE = "lead.notice"
_BOTH = (Channel.INAPP, Channel.EMAIL)


class Endpoint(NamedTuple):
    """An active webhook endpoint of an agency and the events it takes."""

    id: int
    events: frozenset[str]


@dataclass(frozen=True)
class Scene:
    """Who and what a message about one assignment names, and where its messages go."""

    agency_id: int
    agency_name: str
    lead: Any  # a leads row
    owner: Any  # a producers row: id, name, email, phone
    assignment_id: int
    started_at: datetime
    out: Messages
    endpoints: tuple[Endpoint, ...]  # the agency's active webhook endpoints
    managers: tuple[Any, ...]  # the agency's active managers (producers rows: id, email, phone)

    def context(self, reason: str = "", accept_by: datetime | None = None) -> dict[str, Any]:
        """Template variables (see notify.templates), ``reason`` always among them."""
        return context_for(LeadView.of(self.lead), self.agency_name, self.owner) | {
            "accept_by": accept_by.isoformat(timespec="minutes") if accept_by else None,
            "reason": reason,
        }

    def dedupe(self, key: str, channel: str, who: object = "") -> str:
        return f"timer:{self.lead.id}:{self.assignment_id}:{key}:{channel}:{who}"

    def webhook_data(self, **extra: Any) -> dict[str, Any]:
        return webhook_data(LeadView.of(self.lead), **extra)


def subscribed(conn: sa.Connection, agency_ids: set[int]) -> dict[int, tuple[Endpoint, ...]]:
    """Each agency's active webhook endpoints, by id."""
    found: dict[int, list[Endpoint]] = {a: [] for a in agency_ids}
    for row in conn.execute(
        sa.select(webhook_endpoints.c.agency_id, webhook_endpoints.c.id, webhook_endpoints.c.events)
        .where(
            webhook_endpoints.c.agency_id.in_(sorted(agency_ids)),
            webhook_endpoints.c.active.is_(True),
        )
        .order_by(webhook_endpoints.c.id)
    ):
        found[row.agency_id].append(Endpoint(row.id, frozenset(row.events)))
    return {a: tuple(endpoints) for a, endpoints in found.items()}


def managers_of(conn: sa.Connection, agency_ids: set[int]) -> dict[int, tuple[Any, ...]]:
    """Each agency's active managers (id, email, phone), by id."""
    found: dict[int, list[Any]] = {a: [] for a in agency_ids}
    for row in conn.execute(
        sa.select(producers.c.agency_id, producers.c.id, producers.c.email, producers.c.phone)
        .where(
            producers.c.agency_id.in_(sorted(agency_ids)),
            producers.c.role == Role.MANAGER,
            producers.c.active.is_(True),
        )
        .order_by(producers.c.id)
    ):
        found[row.agency_id].append(row)
    return {a: tuple(rows) for a, rows in found.items()}


def carry_out(scene: Scene, action: Action) -> None:
    """Queue what ``action`` sends (never a reassignment or an offer)."""
    if isinstance(action, AlertProducer | WarnProducer):
        text = "alert_producer" if isinstance(action, AlertProducer) else "warn_producer"
        context = scene.context(action.reason)
        tell_owner(scene, action.key, action.channels, text, ESCALATED, context)
        escalated(scene, action.key, action.reason)
    elif isinstance(action, AlertManager):
        _tell_managers(scene, action)
        scene.out.escalation(
            scene.agency_id,
            lead_id=scene.lead.id,
            assignment_id=scene.assignment_id,
            step=action.key,
        )
        escalated(scene, action.key, action.reason)
    elif isinstance(action, RemindProducer):
        tell_owner(scene, action.key, _BOTH, action.template, REMINDER, scene.context())
    elif isinstance(action, NotifyProducer):
        if action.due_at > scene.started_at:  # else the assignment's own transaction told them
            context = scene.context(accept_by=action.accept_by)
            tell_owner(scene, action.key, _BOTH, action.template, NOTICE, context)
    elif isinstance(action, MessageConsumer):
        _message_consumer(scene, action)
    elif not isinstance(action, Defer):  # a Defer is only recorded in done_steps
        raise TypeError(f"{type(action).__name__} is not a message")


def tell_owner(
    scene: Scene,
    key: str,
    channels: tuple[Channel, ...],
    template: str,
    event: str,
    context: dict[str, Any],
) -> None:
    """Tell the producer on each channel (a text only when they have a phone number)."""
    owner, out = scene.owner, scene.out
    email = template if template in EMAILS else "warn_producer"
    for channel in channels:
        dedupe = scene.dedupe(key, channel)
        if channel == Channel.INAPP:
            out.alert(
                scene.agency_id,
                kind=event,
                message=render_text(template, context),
                producer_id=owner.id,
                lead_id=scene.lead.id,
                dedupe_key=dedupe,
            )
        elif channel == Channel.EMAIL or owner.phone:
            out.send(
                scene.agency_id,
                channel,
                event=event,
                to=owner.email if channel == Channel.EMAIL else owner.phone,
                template=email if channel == Channel.EMAIL else template,
                context=context,
                dedupe_key=dedupe,
            )


def escalated(scene: Scene, step: str, reason: str) -> None:
    """The ``lead.escalated`` webhook to each endpoint taking it: a rung of the ladder fired."""
    endpoint_ids = [e.id for e in scene.endpoints if ESCALATED in e.events]
    if endpoint_ids:
        scene.out.webhook(
            scene.agency_id,
            event=ESCALATED,
            endpoint_ids=endpoint_ids,
            data=scene.webhook_data(producer_id=scene.owner.id, step=step, reason=reason),
            dedupe_key=scene.dedupe(step, "webhook"),
        )


def _tell_managers(scene: Scene, action: AlertManager) -> None:
    context, out = scene.context(action.reason), scene.out
    for channel in action.channels:
        if channel == Channel.INAPP:
            out.alert(
                scene.agency_id,
                kind=ESCALATED,
                role=Role.MANAGER,
                message=render_text("alert_manager", context),
                lead_id=scene.lead.id,
                dedupe_key=scene.dedupe(action.key, channel),
            )
            continue
        for m in scene.managers:
            to = m.email if channel == Channel.EMAIL else m.phone
            if to:
                out.send(
                    scene.agency_id,
                    channel,
                    event=ESCALATED,
                    to=to,
                    template="alert_manager",
                    context=context,
                    dedupe_key=scene.dedupe(action.key, channel, m.id),
                )


def _message_consumer(scene: Scene, action: MessageConsumer) -> None:
    """Text or email the consumer (nothing when the lead has no number or address for it)."""
    lead, context, out = scene.lead, scene.context(), scene.out
    dedupe = scene.dedupe(action.key, action.channel)
    to = {Channel.SMS: lead.phone, Channel.EMAIL: lead.email}.get(action.channel)
    if to:
        out.send(
            scene.agency_id,
            action.channel,
            event=FOLLOW_UP,
            to=to,
            template=action.template,
            context=context,
            dedupe_key=dedupe,
            consumer_lead_id=lead.id,
            from_name=scene.owner.name,
            reply_to=scene.owner.email,
        )
