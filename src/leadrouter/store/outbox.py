"""The outbox as a repository on the unit of work: rows staged during a decision, written in
one batch (``executemany`` of one prepared INSERT) when the caller flushes (the unit of work
flushes on commit too), or taken off the stage as rows by a caller that writes them within a
statement of its own (an assigned decision's, ``store.assigned_writes``).

A webhook event stages once and becomes one row per active endpoint subscribed to it when
flushed; the endpoints come from the caller's per-process cache (by the agency's webhook
version) or are read once for the whole flush. A row with a ``dedupe_key`` the agency's
outbox already holds is skipped, as ``notify.outbox.enqueue`` does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.prepared import Prepared
from leadrouter.store.tables import outbox, webhook_endpoints

Endpoint = tuple[int, frozenset[str]]  # id, the events it subscribes to


@dataclass(frozen=True)
class Message:
    """One outbox message before it is a row: its channel, event, recipient, payload and
    dedupe key (the builders are ``notify.messages.email``/``sms`` and ``notify.inapp.alert``)."""

    channel: str
    event: str
    recipient: str
    payload: dict[str, Any]
    dedupe_key: str | None = None

    def row(self, *, agency_id: int, now: datetime) -> dict[str, Any]:
        """The outbox row of this message: pending, due ``now``, never tried."""
        return {
            "agency_id": agency_id,
            "channel": self.channel,
            "event": self.event,
            "recipient": self.recipient,
            "payload": self.payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "dedupe_key": self.dedupe_key,
        }


def webhook_messages(
    *, event: str, data: dict[str, Any], endpoints: Sequence[Endpoint], dedupe_key: str | None
) -> list[Message]:
    """A webhook event as one message per endpoint subscribed to it (a dedupe key each)."""
    return [
        Message(
            "webhook",
            event,
            str(endpoint_id),
            data,
            None if dedupe_key is None else f"{dedupe_key}:webhook:{endpoint_id}",
        )
        for endpoint_id, events in endpoints
        if event in events
    ]


@dataclass(frozen=True)
class _Webhook:
    agency_id: int
    event: str
    data: dict[str, Any]
    now: datetime
    dedupe_key: str | None


class OutboxRepository:
    """Outbox rows staged in the caller's transaction and written together."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self._staged: list[dict[str, Any] | _Webhook] = []
        self._endpoints: dict[int, Sequence[Endpoint]] = {}

    def stage(
        self,
        message: Message,
        *,
        agency_id: int,
        now: datetime,
        not_before: datetime | None = None,
    ) -> None:
        """One message to write at the next flush (sent from ``not_before``, else at once)."""
        row = message.row(agency_id=agency_id, now=now)
        if not_before is not None and not_before > now:
            row["next_attempt_at"] = not_before
        self._staged.append(row)

    def stage_webhook(
        self,
        *,
        agency_id: int,
        event: str,
        data: dict[str, Any],
        now: datetime,
        dedupe_key: str | None = None,
    ) -> None:
        """A webhook event: one row per subscribed endpoint at the next flush."""
        self._staged.append(_Webhook(agency_id, event, data, now, dedupe_key))

    def mark(self) -> int:
        """A point to go back to (see ``discard_since``), e.g. before a savepoint."""
        return len(self._staged)

    def discard_since(self, mark: int) -> None:
        """Forget what was staged after ``mark`` (its savepoint was rolled back)."""
        del self._staged[mark:]

    def know(self, endpoints: Mapping[int, Sequence[Endpoint]]) -> None:
        """The webhook endpoints of these agencies (from the caller's per-process cache), so
        no later flush or take reads them."""
        self._endpoints.update(endpoints)

    def take_rows(self) -> list[dict[str, Any]]:
        """Every staged message as its outbox rows, off the stage: the caller writes them
        (``insert_rows``, or within a statement of its own). Endpoints not known are read."""
        staged, self._staged = self._staged, []
        rows: list[dict[str, Any]] = []
        for item in staged:
            if isinstance(item, dict):
                rows.append(item)
                continue
            if item.agency_id not in self._endpoints:
                self._endpoints[item.agency_id] = webhook_endpoints_of(self._conn, item.agency_id)
            rows.extend(
                m.row(agency_id=item.agency_id, now=item.now)
                for m in webhook_messages(
                    event=item.event,
                    data=item.data,
                    endpoints=self._endpoints[item.agency_id],
                    dedupe_key=item.dedupe_key,
                )
            )
        return rows

    def put_back(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows taken but not written, staged again ahead of anything staged since."""
        self._staged[:0] = rows

    def flush(self, *, endpoints: Mapping[int, Sequence[Endpoint]] | None = None) -> None:
        """Write every staged row in one statement; ``endpoints`` by agency, else read once."""
        if endpoints:
            self.know(endpoints)
        insert_rows(self._conn, self.take_rows())


def insert_rows(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write outbox rows (``Message.row``) in one statement; a row whose ``dedupe_key`` the
    agency's outbox already holds is skipped."""
    _insert(conn.dialect.name).executemany(conn, rows)


class WebhookCache:
    """Each agency's active webhook endpoints, kept per process by the agency's
    ``webhooks_version`` (every endpoint change bumps it), so a request reads only the
    version it already reads with the agency's settings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_agency: dict[int, tuple[int, list[Endpoint]]] = {}

    def endpoints(self, conn: sa.Connection, agency_id: int, version: int) -> list[Endpoint]:
        """The agency's endpoints as of ``version`` (read when this process has not yet)."""
        with self._lock:
            cached = self._by_agency.get(agency_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        fresh = webhook_endpoints_of(conn, agency_id)
        with self._lock:
            self._by_agency[agency_id] = (version, fresh)
        return fresh


def webhook_endpoints_of(conn: sa.Connection, agency_id: int) -> list[Endpoint]:
    """The agency's active webhook endpoints and their events, by id."""
    return [
        (int(r.id), frozenset(r.events)) for r in conn.execute(_ENDPOINTS, {"agency_id": agency_id})
    ]


@functools.cache
def _insert(dialect: str) -> Prepared:
    """``INSERT ... ON CONFLICT (agency_id, dedupe_key) DO NOTHING``, built once per dialect;
    executed with many rows it is one ``executemany`` (one batch on PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return Prepared(
        insert(outbox).on_conflict_do_nothing(index_elements=["agency_id", "dedupe_key"])
    )


_ENDPOINTS = (
    sa.select(webhook_endpoints.c.id, webhook_endpoints.c.events)
    .where(
        webhook_endpoints.c.agency_id == sa.bindparam("agency_id"),
        webhook_endpoints.c.active.is_(True),
    )
    .order_by(webhook_endpoints.c.id)
)
