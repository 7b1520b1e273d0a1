"""The ``leads`` table and its history rows, as one repository on the unit of work.

Every statement is built once at import, so the hot path only binds values to statements
SQLAlchemy has already compiled. Writes return the row they leave behind (``RETURNING``),
so nobody re-reads what their own transaction just wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.errors import NotFound
from leadrouter.store import dedupe
from leadrouter.store.prepared import Prepared, per_shape
from leadrouter.store.tables import lead_events, lead_status_changes, lead_touches, leads
from leadrouter.store.types import UTCDateTime

Row = sa.Row[Any]


class LeadRepository:
    """Reads and writes of an agency's leads inside the caller's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def find(self, agency_id: int, lead_id: int) -> Row | None:
        """The agency's lead, or None (another agency's lead is None too)."""
        return self._conn.execute(_LEAD, {"lead_id": lead_id, "agency_id": agency_id}).first()

    def get(self, agency_id: int, lead_id: int) -> Row:
        """The agency's lead; NotFound when absent or another agency's."""
        return lead_row(self._conn, agency_id, lead_id)

    def many(self, agency_id: int, lead_ids: list[int]) -> list[Row]:
        """The agency's leads with these ids, in one query."""
        return list(
            self._conn.execute(
                sa.select(leads).where(leads.c.agency_id == agency_id, leads.c.id.in_(lead_ids))
            )
        )

    def matches(
        self,
        *,
        agency_id: int,
        phone: str | None,
        email: str | None,
        repeat_since: datetime | None,
        insurance_type: str | None = None,
    ) -> dedupe.Matches:
        """The lead this one repeats (same line, since ``repeat_since``), else the consumer's
        lead it relates to (another line), and the client it belongs to."""
        return dedupe.lookup(
            self._conn,
            agency_id=agency_id,
            phone=phone,
            email=email,
            repeat_since=repeat_since,
            insurance_type=insurance_type,
        )

    def add(
        self,
        values: Mapping[str, Any],
        *,
        reason: str | None,
        history: StatusRows | None = None,
    ) -> Row:
        """Insert a lead and the first row of its status history (its ``status`` since its
        ``status_changed_at``, for ``reason``); the stored row (with its id and server
        defaults). One statement on PostgreSQL (a data-modifying CTE), two on SQLite, or one
        there when ``history`` is given: the status row is staged on it, to be written with
        the next one (an assigned decision's) or at its flush."""
        if self._conn.dialect.name != "postgresql":
            row: Row = _INSERT_LEAD.execute(self._conn, values)[0]
            first = status_row(
                agency_id=row.agency_id,
                lead_id=row.id,
                status=row.status,
                at=values["status_changed_at"],
                reason=reason,
            )
            if history is not None:
                history.stage(first)
            else:
                self.record_statuses([first])
            return row
        params = {f"v_{k}": v for k, v in values.items()}
        params["s_reason"] = reason
        inserted: Row = _prepared_insert(tuple(values)).execute(self._conn, params)[0]
        return inserted

    def add_touch(
        self,
        *,
        agency_id: int,
        lead_id: int,
        at: datetime,
        source_name: str | None,
        payload: Mapping[str, Any],
    ) -> tuple[int, Row]:
        """Record a repeat of the lead; the touch's id and the lead row after the bump."""
        touch_id = self._conn.execute(
            _INSERT_TOUCH,
            {
                "agency_id": agency_id,
                "lead_id": lead_id,
                "at": at,
                "source_name": source_name,
                "payload": dict(payload),
            },
        ).scalar_one()
        row = self._conn.execute(_BUMP_TOUCHES, {"lead_id": lead_id, "at": at}).one()
        return int(touch_id), row

    def phone_opted_out(self, agency_id: int, phone: str) -> bool:
        """Whether any of the agency's leads with this number is do-not-contact (its consumer
        texted STOP, or a manager marked it): no text goes to the number then."""
        return bool(
            self._conn.execute(_OPTED_OUT, {"agency_id": agency_id, "phone": phone}).first()
        )

    def status_for_update(self, agency_id: int, lead_id: int) -> str | None:
        """The lead's status, its row locked until the transaction ends (None: no such lead)."""
        found = self._conn.execute(
            _STATUS_FOR_UPDATE, {"lead_id": lead_id, "agency_id": agency_id}
        ).scalar()
        return None if found is None else str(found)

    def set_status(self, lead_id: int, status: str, at: datetime) -> None:
        """Move the lead to ``status`` (the caller checked the lifecycle allows it)."""
        self._conn.execute(_SET_STATUS, {"lead_id": lead_id, "status": status, "at": at})

    def drop_owner(self, lead_id: int) -> None:
        """The lead has no owner any more (its last assignment ended and nobody took it)."""
        self._conn.execute(_DROP_OWNER, {"lead_id": lead_id})

    def give_owner(
        self, lead_id: int, *, owner_id: int, at: datetime, status: str, expected: str
    ) -> Row | None:
        """Set the owner (and the first assignment time) and move ``expected`` to ``status``;
        the row after, or None when the lead is no longer ``expected`` (nothing changed)."""
        after: Row | None = _GIVE_OWNER.first(
            self._conn,
            {
                "lead_id": lead_id,
                "owner_id": owner_id,
                "at": at,
                "new_status": status,
                "changed_at": None if status == expected else at,
                "was": expected,
            },
        )
        return after

    def record_status(
        self, *, agency_id: int, lead_id: int, status: str, at: datetime, reason: str | None
    ) -> None:
        """One row of the lead's status history."""
        self.record_statuses(
            [status_row(agency_id=agency_id, lead_id=lead_id, status=status, at=at, reason=reason)]
        )

    def record_statuses(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows of status history (``status_row``), in their order, in one statement."""
        _INSERT_STATUS.executemany(self._conn, rows)

    def record_event(
        self, *, agency_id: int, lead_id: int, type: str, data: Mapping[str, Any], now: datetime
    ) -> None:
        """A ``lead_events`` row for what we saw happen to the lead ``now`` (a call's status,
        a text, a change of consent or of intent tier)."""
        self._conn.execute(
            _INSERT_EVENT,
            {
                "agency_id": agency_id,
                "lead_id": lead_id,
                "type": type,
                "at": now,
                "created_at": now,
                "data": dict(data),
            },
        )

    def status_history(self, lead_id: int) -> list[Row]:
        """The lead's status changes, oldest first."""
        return list(self._conn.execute(_HISTORY, {"lead_id": lead_id}))


def status_row(
    *, agency_id: int, lead_id: int, status: str, at: datetime, reason: str | None
) -> dict[str, Any]:
    """One row of a lead's status history, as ``record_statuses`` writes it."""
    return dict(agency_id=agency_id, lead_id=lead_id, status=status, at=at, reason=reason)


class StatusRows:
    """Status-history rows staged in the caller's transaction, written at ``flush`` (the unit
    of work flushes on commit too) or taken off the stage by a caller that writes them with
    a row of its own, in one statement: a new lead's first row and the assigned decision's
    that follows it (on SQLite, where each statement is one more trip under the lock)."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self._staged: list[dict[str, Any]] = []

    def stage(self, row: dict[str, Any]) -> None:
        """A row (``status_row``) to write before any later one of the same lead."""
        self._staged.append(row)

    def take(self) -> list[dict[str, Any]]:
        """Every staged row, off the stage: the caller writes them, ahead of its own."""
        staged, self._staged = self._staged, []
        return staged

    def put_back(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows taken but not written, staged again ahead of anything staged since."""
        self._staged[:0] = rows

    def flush(self) -> None:
        """Write every staged row (one statement), before any status row written after."""
        LeadRepository(self._conn).record_statuses(self.take())


def lead_row(conn: sa.Connection, agency_id: int, lead_id: int) -> Row:
    """The agency's ``leads`` row; NotFound when absent or another agency's."""
    row = conn.execute(_LEAD, {"lead_id": lead_id, "agency_id": agency_id}).first()
    if row is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return row


_LEAD = sa.select(leads).where(
    leads.c.id == sa.bindparam("lead_id"), leads.c.agency_id == sa.bindparam("agency_id")
)
_OPTED_OUT = (
    sa.select(leads.c.id)
    .where(
        leads.c.agency_id == sa.bindparam("agency_id"),
        leads.c.phone == sa.bindparam("phone"),
        leads.c.do_not_contact.is_(True),
    )
    .limit(1)
)
_INSERT_LEAD = Prepared(leads.insert().returning(*leads.c))


def _insert_with_status(columns: tuple[str, ...]) -> sa.Select[Any]:
    """A lead (these columns given) and its first status row, in one PostgreSQL statement;
    built and compiled once per shape (by ``_prepared_insert``)."""
    lead = (
        leads.insert()
        .values({c: sa.bindparam(f"v_{c}", type_=leads.c[c].type) for c in columns})
        .returning(*leads.c)
        .cte("l")
    )
    first = (
        lead_status_changes.insert()
        .from_select(
            ["agency_id", "lead_id", "status", "at", "reason"],
            sa.select(
                lead.c.agency_id,
                lead.c.id,
                lead.c.status,
                lead.c.status_changed_at,
                sa.bindparam("s_reason", type_=sa.Text),
            ),
        )
        .returning(lead_status_changes.c.id)
        .cte("s")
    )
    return sa.select(*lead.c).add_cte(first)


_prepared_insert = per_shape(_insert_with_status)


_INSERT_STATUS = Prepared(lead_status_changes.insert())
_INSERT_EVENT = lead_events.insert()
_INSERT_TOUCH = lead_touches.insert().returning(lead_touches.c.id)
_BUMP_TOUCHES = (
    leads.update()
    .where(leads.c.id == sa.bindparam("lead_id"))
    .values(touch_count=leads.c.touch_count + 1, last_touch_at=sa.bindparam("at"))
    .returning(*leads.c)
)
_STATUS_FOR_UPDATE = (
    sa.select(leads.c.status)
    .where(leads.c.id == sa.bindparam("lead_id"), leads.c.agency_id == sa.bindparam("agency_id"))
    .with_for_update()
)
_SET_STATUS = (
    leads.update()
    .where(leads.c.id == sa.bindparam("lead_id"))
    .values(status=sa.bindparam("status"), status_changed_at=sa.bindparam("at"))
)
_DROP_OWNER = leads.update().where(leads.c.id == sa.bindparam("lead_id")).values(owner_id=None)
_GIVE_OWNER = Prepared(
    leads.update()
    .where(leads.c.id == sa.bindparam("lead_id"), leads.c.status == sa.bindparam("was"))
    .values(
        owner_id=sa.bindparam("owner_id"),
        first_assigned_at=sa.func.coalesce(
            leads.c.first_assigned_at, sa.bindparam("at", type_=UTCDateTime())
        ),
        status=sa.bindparam("new_status"),
        status_changed_at=sa.func.coalesce(
            sa.bindparam("changed_at", type_=UTCDateTime()), leads.c.status_changed_at
        ),
    )
    .returning(*leads.c)
)
_HISTORY = (
    sa.select(lead_status_changes)
    .where(lead_status_changes.c.lead_id == sa.bindparam("lead_id"))
    .order_by(lead_status_changes.c.id)
)
