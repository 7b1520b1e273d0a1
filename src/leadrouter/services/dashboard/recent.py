"""The newest leads of the agency with who has them: the dashboard's running list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from leadrouter.store.tables import leads, producers
from leadrouter.store.uow import UnitOfWork


def lead_rows(
    conn: sa.Connection, *conditions: sa.ColumnElement[bool], order_by: Any, limit: int
) -> list[dict[str, Any]]:
    """Leads as the dashboard lists them (name, status, owner, arrival, first response,
    source, touches), in ``order_by`` order."""
    rows = conn.execute(
        sa.select(
            leads.c.id,
            leads.c.first_name,
            leads.c.last_name,
            leads.c.status,
            leads.c.insurance_type,
            leads.c.source_name,
            leads.c.created_at,
            leads.c.response_seconds,
            leads.c.touch_count,
            leads.c.last_touch_at,
            producers.c.name.label("producer"),
        )
        .outerjoin(producers, producers.c.id == leads.c.owner_id)
        .where(*conditions)
        .order_by(*order_by)
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def recent_leads(*, uow: UnitOfWork, agency_id: int, limit: int = 15) -> list[dict[str, Any]]:
    """The newest leads, newest first: name, status, owner, arrival, first response, source."""
    with uow:
        return lead_rows(
            uow.conn, leads.c.agency_id == agency_id, order_by=[leads.c.id.desc()], limit=limit
        )
