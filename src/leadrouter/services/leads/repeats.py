"""A consumer who asks again: what the lead's people hear, and what the lead remembers.

Intake decides what a request is (``store.dedupe``): a repeat of the consumer's lead for the
same line becomes a touch on that lead (its ``touch_count`` and ``last_touch_at``), and its
owner is told here, in intake's transaction; a request for another line is a new lead linked
to the earlier one (``related_lead_id``), whose owner routing prefers (``services.routing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.services.routing import announcements
from leadrouter.store.agency_repo import AgencyInfo, agency_info
from leadrouter.store.tables import lead_touches, leads
from leadrouter.store.uow import UnitOfWork


def announce_repeat_in_tx(
    uow: UnitOfWork, *, lead: Any, touch_id: int, agency: AgencyInfo | None, now: datetime
) -> None:
    """Tell the owner of ``lead`` (its row after the touch) that the consumer asked again."""
    conn = uow.conn
    name = (agency or agency_info(conn, lead.agency_id)).name
    owner = None
    if lead.owner_id is not None:
        owner = announcements.person(conn, lead.agency_id, int(lead.owner_id))
    announcements.on_repeated(
        uow.outbox,
        lead=announcements.LeadView.of(lead),
        agency_name=name,
        owner=owner,
        times=int(lead.touch_count),
        touch_id=touch_id,
        now=now,
    )
    uow.outbox.flush()


def linked_leads(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> list[Any]:
    """The consumer's other leads linked with this one (its earlier lead, and the leads for
    other lines that link to it), oldest first."""
    with uow:
        related = uow.conn.execute(
            sa.select(leads.c.related_lead_id).where(
                leads.c.agency_id == agency_id, leads.c.id == lead_id
            )
        ).scalar()
        linked = [leads.c.related_lead_id == lead_id]
        if related is not None:
            linked.append(leads.c.id == related)
        return list(
            uow.conn.execute(
                sa.select(
                    leads.c.id,
                    leads.c.insurance_type,
                    leads.c.status,
                    leads.c.owner_id,
                    leads.c.created_at,
                )
                .where(leads.c.agency_id == agency_id, sa.or_(*linked), leads.c.id != lead_id)
                .order_by(leads.c.id)
            )
        )


def repeat_requests(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> list[Any]:
    """The consumer's repeat requests of the lead (when, and through which source), oldest
    first: the touches intake records."""
    with uow:
        return list(
            uow.conn.execute(
                sa.select(lead_touches.c.at, lead_touches.c.source_name)
                .where(lead_touches.c.agency_id == agency_id, lead_touches.c.lead_id == lead_id)
                .order_by(lead_touches.c.at, lead_touches.c.id)
            )
        )
