"""The AMS hand-off: one row per lead with what an agency management system import needs.

Columns follow a HawkSoft-style client import (names, phone, email, source, insurance type,
assigned producer, status, date received, notes, premium). Rows are read in pages by id, each
page in its own short read transaction, so an export of any size never holds one open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.intake.phones import for_display
from leadrouter.services.reports.documents import money
from leadrouter.services.reports.periods import agency_timezone
from leadrouter.store.tables import leads, producers
from leadrouter.store.uow import UnitOfWork

PAGE = 1000
COLUMNS = (
    "Lead ID",
    "First Name",
    "Last Name",
    "Phone",
    "Email",
    "ZIP",
    "State",
    "Source",
    "Insurance Type",
    "Assigned Producer",
    "Status",
    "Date Received",
    "Notes",
    "Premium",
    "Policy Number",
)
# Our statuses in the AMS's words (New / Contacted / Quoted / Bound / Lost).
AMS_STATUS = {
    "new": "New",
    "queued": "New",
    "assigned": "New",
    "contacted": "Contacted",
    "quoted": "Quoted",
    "bound": "Bound",
    "lost": "Lost",
    "nurture": "Nurture",
}


@dataclass(frozen=True)
class ExportFilter:
    """Which leads: received from ``received_from`` to ``received_to`` (agency dates,
    inclusive), in one of ``statuses``, from ``source``, owned by ``producer_id``."""

    received_from: date | None = None
    received_to: date | None = None
    statuses: tuple[str, ...] = ()
    source: str | None = None
    producer_id: int | None = None


def export_rows(
    *, uow: UnitOfWork, agency_id: int, filters: ExportFilter, now: datetime
) -> Iterator[tuple[str, ...]]:
    """The export's rows in ``COLUMNS`` order, oldest lead first (``now`` is unused but kept
    for the use-case signature; received dates are shown in the agency's time zone)."""
    del now
    with uow:
        tz = ZoneInfo(agency_timezone(uow.conn, agency_id))
    conds = _conditions(agency_id, filters, tz)
    after = 0
    while True:
        with uow:
            page = uow.conn.execute(_QUERY.where(*conds, leads.c.id > after).limit(PAGE)).all()
        for r in page:
            yield _row(r, tz)
        if len(page) < PAGE:
            return
        after = page[-1].id


_QUERY = (
    sa.select(
        leads.c.id,
        leads.c.first_name,
        leads.c.last_name,
        leads.c.phone,
        leads.c.email,
        leads.c.zip,
        leads.c.state,
        leads.c.source_name,
        leads.c.insurance_type,
        producers.c.name.label("producer"),
        leads.c.status,
        leads.c.created_at,
        leads.c.notes,
        leads.c.premium,
        leads.c.policy_number,
    )
    .select_from(leads.outerjoin(producers, producers.c.id == leads.c.owner_id))
    .order_by(leads.c.id)
)


def _conditions(agency_id: int, f: ExportFilter, tz: ZoneInfo) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = [leads.c.agency_id == agency_id]
    if f.received_from is not None:
        conds.append(leads.c.created_at >= _midnight(f.received_from, tz))
    if f.received_to is not None:
        conds.append(leads.c.created_at < _midnight(f.received_to + timedelta(days=1), tz))
    if f.statuses:
        conds.append(leads.c.status.in_(f.statuses))
    if f.source is not None:
        conds.append(leads.c.source_name == f.source)
    if f.producer_id is not None:
        conds.append(leads.c.owner_id == f.producer_id)
    return conds


def _midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)


def _row(r: Any, tz: ZoneInfo) -> tuple[str, ...]:
    m = r._mapping
    return (
        str(m["id"]),
        m["first_name"] or "",
        m["last_name"] or "",
        for_display(m["phone"]),  # (212) 555-0100, as AMS imports expect it
        m["email"] or "",
        m["zip"] or "",
        m["state"] or "",
        m["source_name"] or "",
        m["insurance_type"],
        m["producer"] or "",
        AMS_STATUS.get(m["status"], m["status"]),
        m["created_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        m["notes"] or "",
        money(m["premium"]) or "",
        m["policy_number"] or "",
    )
