"""Webhooks after the Standard Webhooks specification: one outbox row per subscribed
endpoint, delivered as a signed JSON POST.

Headers sent with every delivery (https://www.standardwebhooks.com):
  webhook-id:         the delivery id; the same on every retry, so receivers dedupe on it
  webhook-timestamp:  unix seconds of this attempt
  webhook-signature:  ``v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>``; two,
                      space-separated, while a rotated secret's predecessor is still valid
  X-Leadrouter-Event: the event, e.g. ``lead.assigned``
The key is the base64 part of the endpoint's ``whsec_`` secret. Any answer other than 2xx is a
failure and is retried with backoff. See docs/webhooks.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.notify import outbox
from leadrouter.notify.channel import DeliveryFailed, OutboundMessage
from leadrouter.notify.targets import ALLOW_PRIVATE, Resolver, delivery_target_problem
from leadrouter.notify.targets import system_resolver as _system_resolver
from leadrouter.sealing import Sealer
from leadrouter.store.outbox import webhook_endpoints_of, webhook_messages
from leadrouter.store.tables import agencies, webhook_endpoints
from leadrouter.store.uow import UnitOfWork

WebhookEvent = Literal[
    "lead.created",
    "lead.assigned",
    "lead.queued",
    "lead.escalated",
    "lead.reassigned",
    "lead.outcome",
    "audit.checkpoint",
]
EVENTS: tuple[str, ...] = get_args(WebhookEvent)
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "X-Leadrouter-Event"
SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (its base64 part, decoded)."""
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64>`` per secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )


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
    messages = webhook_messages(
        event=event,
        data=data,
        endpoints=webhook_endpoints_of(conn, agency_id),
        dedupe_key=dedupe_key,
    )
    return [outbox.put(conn, m, agency_id=agency_id, now=now) for m in messages]


class WebhookChannel:
    """Delivers webhook messages to the endpoint's current URL, signed with its secrets."""

    def __init__(
        self,
        engine: Engine,
        *,
        sealer: Sealer,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        resolve: Resolver = _system_resolver,
    ) -> None:
        self._engine = engine
        self._sealer = sealer
        self._client = client or httpx.Client(timeout=timeout)
        self._resolve = resolve

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        """POST the signed event; the HTTP status is the provider reference.

        Failures say only what class of thing went wrong, never what the target answered or
        which internal host refused: ``last_error`` must not become a network scanner.
        """
        url, secrets, private_ok = self._endpoint(message, now)
        if not private_ok:
            problem = delivery_target_problem(url, self._resolve)
            if problem is not None:
                raise DeliveryFailed(f"not delivered: {problem}")
        body = body_of(message)
        timestamp = int(now.astimezone(UTC).timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "leadrouter-webhooks",
            EVENT_HEADER: message.event,
            ID_HEADER: str(message.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secrets, str(message.id), timestamp, body),
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryFailed("the endpoint did not answer in time") from None
        except httpx.HTTPError:
            raise DeliveryFailed("could not connect to the endpoint") from None
        if not response.is_success:
            raise DeliveryFailed(f"the endpoint answered HTTP {response.status_code // 100}xx")
        return f"HTTP {response.status_code}"

    def _endpoint(self, message: OutboundMessage, now: datetime) -> tuple[str, list[str], bool]:
        with UnitOfWork(self._engine, readonly=True) as uow:
            row = uow.conn.execute(
                sa.select(webhook_endpoints, agencies.c.settings)
                .join(agencies, agencies.c.id == webhook_endpoints.c.agency_id)
                .where(
                    webhook_endpoints.c.id == int(message.recipient),
                    webhook_endpoints.c.agency_id == message.agency_id,
                )
            ).first()
        if row is None or not row.active:
            raise DeliveryFailed("the webhook endpoint was deleted or disabled", permanent=True)
        secrets = [self._sealer.open(row.secret)]
        if row.previous_secret and row.previous_secret_until and row.previous_secret_until > now:
            secrets.append(self._sealer.open(row.previous_secret))
        private_ok = bool((row.settings or {}).get(ALLOW_PRIVATE, False))
        return str(row.url), secrets, private_ok
