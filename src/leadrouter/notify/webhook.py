"""Signed webhooks: one outbox row per subscribed endpoint, delivered as a signed JSON POST.

Headers sent with every delivery:
  X-Leadrouter-Event:      the event, e.g. ``lead.assigned``
  X-Leadrouter-Delivery:   the outbox id; the same on every retry, so receivers dedupe on it
  X-Leadrouter-Signature:  ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``
Any answer other than 2xx is a failure and is retried with backoff. See docs/webhooks.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.notify import outbox
from leadrouter.notify.channel import DeliveryFailed, OutboundMessage
from leadrouter.store.tables import webhook_endpoints
from leadrouter.store.uow import UnitOfWork

EVENTS = (
    "lead.created",
    "lead.assigned",
    "lead.queued",
    "lead.escalated",
    "lead.reassigned",
    "lead.outcome",
    "audit.checkpoint",
)
SIGNATURE_HEADER = "X-Leadrouter-Signature"
DELIVERY_HEADER = "X-Leadrouter-Delivery"
EVENT_HEADER = "X-Leadrouter-Event"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    now: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its time is within tolerance."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = sign(secret, raw, timestamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, c) for c in candidates)


def body_of(message: OutboundMessage) -> bytes:
    """The JSON document POSTed for a webhook message (the same bytes on every attempt)."""
    document = {
        "id": str(message.id),
        "event": message.event,
        "created_at": message.created_at.isoformat(),
        "agency_id": message.agency_id,
        "data": message.payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()


def enqueue_webhook_event(
    conn: sa.Connection,
    *,
    agency_id: int,
    event: str,
    data: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> list[int]:
    """One outbox row per active endpoint subscribed to ``event``, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = conn.execute(
        sa.select(webhook_endpoints.c.id, webhook_endpoints.c.events)
        .where(webhook_endpoints.c.agency_id == agency_id, webhook_endpoints.c.active.is_(True))
        .order_by(webhook_endpoints.c.id)
    ).all()
    return [
        outbox.enqueue(
            conn,
            agency_id=agency_id,
            channel="webhook",
            event=event,
            recipient=str(row.id),
            payload=data,
            now=now,
            dedupe_key=None if dedupe_key is None else f"{dedupe_key}:webhook:{row.id}",
        )
        for row in endpoints
        if event in row.events
    ]


class WebhookChannel:
    """Delivers webhook messages to the endpoint's current URL, signed with its secret."""

    def __init__(
        self, engine: Engine, *, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self._engine = engine
        self._client = client or httpx.Client(timeout=timeout)

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        """POST the signed event; the HTTP status is the provider reference."""
        url, secret = self._endpoint(message)
        body = body_of(message)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "leadrouter-webhooks",
            EVENT_HEADER: message.event,
            DELIVERY_HEADER: str(message.id),
            SIGNATURE_HEADER: sign(secret, body, int(now.timestamp())),
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{url}: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"{url} answered HTTP {response.status_code}")
        return f"HTTP {response.status_code}"

    def _endpoint(self, message: OutboundMessage) -> tuple[str, str]:
        with UnitOfWork(self._engine, readonly=True) as uow:
            row = uow.conn.execute(
                sa.select(
                    webhook_endpoints.c.url, webhook_endpoints.c.secret, webhook_endpoints.c.active
                ).where(
                    webhook_endpoints.c.id == int(message.recipient),
                    webhook_endpoints.c.agency_id == message.agency_id,
                )
            ).first()
        if row is None or not row.active:
            raise DeliveryFailed("the webhook endpoint was deleted or disabled", permanent=True)
        return str(row.url), str(row.secret)
