"""In-app alerts for the dashboard: delivered from the outbox into the ``alerts`` table.

Recipients are ``producer:<id>`` or ``role:<role>`` (e.g. ``role:manager``). Delivery inserts
the alert keyed by its outbox id, so a repeated delivery after a crash adds nothing: in-app
alerts are exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict, Unpack

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.notify import outbox
from leadrouter.notify.channel import DeliveryFailed, OutboundMessage
from leadrouter.store.db import insert_ignoring_conflict
from leadrouter.store.outbox import Message
from leadrouter.store.tables import alerts
from leadrouter.store.uow import UnitOfWork


class AlertFields(TypedDict):
    """A dashboard alert: for one producer or for everyone holding ``role`` (exactly one)."""

    kind: str
    message: str
    producer_id: NotRequired[int | None]
    role: NotRequired[str | None]
    lead_id: NotRequired[int | None]
    dedupe_key: NotRequired[str | None]


def alert(**fields: Unpack[AlertFields]) -> Message:
    """The outbox message of a dashboard alert to a producer or a role."""
    producer_id, role = fields.get("producer_id"), fields.get("role")
    if (producer_id is None) == (role is None):
        raise ValueError("an alert goes to a producer or to a role, exactly one of them")
    recipient = f"producer:{producer_id}" if producer_id is not None else f"role:{role}"
    kind = fields["kind"]
    payload = {"kind": kind, "message": fields["message"], "lead_id": fields.get("lead_id")}
    return Message("inapp", kind, recipient, payload, fields.get("dedupe_key"))


def enqueue_alert(
    conn: sa.Connection, *, agency_id: int, now: datetime, **fields: Unpack[AlertFields]
) -> int:
    """Queue a dashboard alert in the caller's transaction (see ``alert``)."""
    return outbox.put(conn, alert(**fields), agency_id=agency_id, now=now)


class InAppChannel:
    """Writes the alert row the dashboard reads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        """Store the alert (once per outbox row); its id is the reference."""
        kind, _, who = message.recipient.partition(":")
        if kind not in ("producer", "role") or not who:
            raise DeliveryFailed(f"bad in-app recipient {message.recipient!r}", permanent=True)
        values = dict(
            agency_id=message.agency_id,
            producer_id=int(who) if kind == "producer" else None,
            role=who if kind == "role" else None,
            lead_id=message.payload.get("lead_id"),
            kind=message.payload.get("kind", message.event),
            message=message.payload["message"],
            outbox_id=message.id,
            created_at=now,
        )
        with UnitOfWork(self._engine) as uow:
            alert_id = insert_ignoring_conflict(uow.conn, alerts, values, ["outbox_id"])
            if alert_id is None:
                alert_id = uow.conn.execute(
                    sa.select(alerts.c.id).where(alerts.c.outbox_id == message.id)
                ).scalar_one()
            uow.commit()
        return f"alert {alert_id}"
