"""The time engine's outbox rows, gathered per transaction and written in one statement.

A timer batch queues a thousand messages; one ``INSERT ... ON CONFLICT DO NOTHING`` for all
of them instead of a round trip each keeps the worker's lag under a second. The messages
are built by the same ``notify.messages.email``/``sms``, ``notify.inapp.alert`` and
``store.outbox.webhook_messages`` as everywhere else (a test holds the rows equal to the
``enqueue_*`` ones), each with a dedupe key, so a repeated key is a no-op as there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Unpack

import sqlalchemy as sa

from leadrouter.notify.inapp import AlertFields, alert
from leadrouter.notify.messages import EmailFields, email, sms
from leadrouter.notify.webhook import EVENTS
from leadrouter.store.db import upsert_insert
from leadrouter.store.outbox import Message, webhook_messages
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

    def add(self, agency_id: int, message: Message) -> None:
        """One message, written at the flush."""
        self.rows.append(message.row(agency_id=agency_id, now=self.now))

    def alert(self, agency_id: int, **fields: Unpack[AlertFields]) -> None:
        """An in-app alert for a producer or a role."""
        self.add(agency_id, alert(**fields))

    def send(self, agency_id: int, channel: str, **fields: Unpack[EmailFields]) -> None:
        """An email (``channel`` "email") or a text (else; ``from_name``/``reply_to`` unused)."""
        if channel == "email":
            self.add(agency_id, email(**fields))
            return
        text = sms(
            event=fields["event"],
            to=fields["to"],
            template=fields["template"],
            context=fields["context"],
            consumer_lead_id=fields.get("consumer_lead_id"),
            dedupe_key=fields.get("dedupe_key"),
        )
        self.add(agency_id, text)

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
        endpoints = [(endpoint_id, frozenset({event})) for endpoint_id in endpoint_ids]
        for message in webhook_messages(
            event=event, data=data, endpoints=endpoints, dedupe_key=dedupe_key
        ):
            self.add(agency_id, message)

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
