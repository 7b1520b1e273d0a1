"""The time engine's outbox rows, gathered per transaction and written in one statement.

A timer batch queues a thousand messages; one ``INSERT ... ON CONFLICT DO NOTHING`` for all
of them instead of a round trip each keeps the worker's lag under a second. The rows are
exactly those of ``notify.messages.enqueue_email``/``enqueue_sms``,
``notify.inapp.enqueue_alert`` and ``notify.webhook.enqueue_webhook_event`` (same payloads,
rendered by the same templates; a test holds them equal), each with a dedupe key, so a
repeated key is a no-op as there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.notify.outbox import PENDING
from leadrouter.notify.templates import render_email, render_text
from leadrouter.notify.webhook import EVENTS
from leadrouter.store.db import upsert_insert
from leadrouter.store.tables import escalations, outbox


class Messages:
    """Outbox rows waiting for the end of the timer step's transaction."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rows: list[dict[str, Any]] = []
        self.escalations: list[dict[str, Any]] = []

    def escalation(self, agency_id: int, *, lead_id: int, assignment_id: int, step: str) -> None:
        """A rung that alerts the managers fired: kept for the monthly report's count."""
        self.escalations.append(
            {
                "agency_id": agency_id,
                "lead_id": lead_id,
                "assignment_id": assignment_id,
                "step": step,
                "at": self.now,
            }
        )

    def alert(
        self,
        agency_id: int,
        *,
        kind: str,
        message: str,
        recipient: str,
        lead_id: int,
        dedupe_key: str,
    ) -> None:
        """An in-app alert for ``producer:<id>`` or ``role:<role>``."""
        payload = {"kind": kind, "message": message, "lead_id": lead_id}
        self._add(agency_id, "inapp", kind, recipient, payload, dedupe_key)

    def email(
        self,
        agency_id: int,
        *,
        event: str,
        to: str,
        template: str,
        context: dict[str, Any],
        dedupe_key: str,
        from_name: str | None = None,
        reply_to: str | None = None,
        consumer_lead_id: int | None = None,
    ) -> None:
        """A rendered email; to a consumer when ``consumer_lead_id`` is given."""
        rendered = render_email(template, context)
        payload = {
            "template": template,
            "subject": rendered.subject,
            "body": rendered.body,
            "from_name": from_name,
            "reply_to": reply_to,
            "consumer_lead_id": consumer_lead_id,
        }
        self._add(agency_id, "email", event, to, payload, dedupe_key)

    def sms(
        self,
        agency_id: int,
        *,
        event: str,
        to: str,
        template: str,
        context: dict[str, Any],
        dedupe_key: str,
        consumer_lead_id: int | None = None,
    ) -> None:
        """A rendered text to an E.164 number."""
        payload = {
            "template": template,
            "body": render_text(template, context),
            "consumer_lead_id": consumer_lead_id,
        }
        self._add(agency_id, "sms", event, to, payload, dedupe_key)

    def webhook(
        self,
        agency_id: int,
        *,
        event: str,
        endpoint_ids: Sequence[int],
        data: dict[str, Any],
        dedupe_key: str,
    ) -> None:
        """The event to each of the given endpoints (those subscribed to it)."""
        if event not in EVENTS:
            raise ValueError(f"unknown webhook event {event!r}")
        for endpoint_id in endpoint_ids:
            key = f"{dedupe_key}:webhook:{endpoint_id}"
            self._add(agency_id, "webhook", event, str(endpoint_id), data, key)

    def flush(self, conn: sa.Connection) -> int:
        """Write the gathered rows (a repeated dedupe key is skipped); how many were gathered."""
        count = len(self.rows)
        if self.rows:
            conn.execute(
                upsert_insert(conn)(outbox).on_conflict_do_nothing(
                    index_elements=["agency_id", "dedupe_key"]
                ),
                self.rows,
            )
            self.rows = []
        if self.escalations:
            conn.execute(
                upsert_insert(conn)(escalations).on_conflict_do_nothing(
                    index_elements=["assignment_id", "step"]
                ),
                self.escalations,
            )
            self.escalations = []
        return count

    def _add(
        self,
        agency_id: int,
        channel: str,
        event: str,
        recipient: str,
        payload: dict[str, Any],
        dedupe_key: str,
    ) -> None:
        self.rows.append(
            {
                "agency_id": agency_id,
                "channel": channel,
                "event": event,
                "recipient": recipient,
                "payload": payload,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": self.now,
                "created_at": self.now,
                "dedupe_key": dedupe_key,
            }
        )
