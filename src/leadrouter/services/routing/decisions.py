"""Reading the decision log: a lead's decisions, the queue, the chain's integrity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing.record import expand_explanation, unnamed_ids
from leadrouter.errors import NotFound
from leadrouter.paging import Page, page
from leadrouter.store import routing_repo as repo
from leadrouter.store.audit import BrokenLink, verify_chain
from leadrouter.store.tables import decisions, leads, producers, queue_entries
from leadrouter.store.uow import UnitOfWork


def _document(r: Mapping[Any, Any], names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "seq": r["seq"],
        "lead_id": r["lead_id"],
        "kind": r["kind"],
        "outcome": r["outcome"],
        "producer_id": r["producer_id"],
        "policy_version": r["policy_version"],
        "actor": r["actor"],
        "created_at": r["created_at"],
        "explanation": expand_explanation(r["explanation"], names),
        "hash": r["hash"],
        "prev_hash": r["prev_hash"],
    }


def lead_decisions(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, latest_only: bool = False
) -> list[dict[str, Any]]:
    """Every decision about the agency's lead, oldest first, or only the latest one (404 for
    another agency's lead)."""
    with uow:
        if repo.get_lead_row(uow.conn, agency_id=agency_id, lead_id=lead_id) is None:
            raise NotFound(f"lead {lead_id} does not exist")
        query = sa.select(decisions).where(
            decisions.c.agency_id == agency_id, decisions.c.lead_id == lead_id
        )
        if latest_only:
            query = query.order_by(decisions.c.seq.desc()).limit(1)
        else:
            query = query.order_by(decisions.c.seq)
        rows = uow.conn.execute(query).all()
        names = _names(uow, agency_id, {i for r in rows for i in unnamed_ids(r.explanation)})
    return [_document(r._mapping, names) for r in rows]


def decision_page(
    *, uow: UnitOfWork, agency_id: int, lead_id: int, cursor: str | None, limit: int = 50
) -> Page[dict[str, Any]]:
    """A page of the decisions about the agency's lead, oldest first (404 for another
    agency's lead)."""
    with uow:
        if repo.get_lead_row(uow.conn, agency_id=agency_id, lead_id=lead_id) is None:
            raise NotFound(f"lead {lead_id} does not exist")
        query = sa.select(decisions).where(
            decisions.c.agency_id == agency_id, decisions.c.lead_id == lead_id
        )
        found = page(
            uow.conn, query, decisions, kind="decision", cursor=cursor, limit=limit, build=dict
        )
        names = _names(
            uow, agency_id, {i for r in found.items for i in unnamed_ids(r["explanation"])}
        )
    return Page([_document(r, names) for r in found.items], found.next_cursor)


def producer_names(*, uow: UnitOfWork, agency_id: int, ids: set[int]) -> dict[int, str]:
    """The names of the agency's producers among ``ids``."""
    with uow:
        return _names(uow, agency_id, ids)


def _names(uow: UnitOfWork, agency_id: int, ids: set[int]) -> dict[int, str]:
    """Producer names for the ids a compact explanation lists without them."""
    if not ids:
        return {}
    rows = uow.conn.execute(
        sa.select(producers.c.id, producers.c.name).where(
            producers.c.agency_id == agency_id, producers.c.id.in_(sorted(ids))
        )
    )
    return {int(r.id): r.name for r in rows}


def waiting_count(*, uow: UnitOfWork, agency_id: int) -> int:
    """How many leads wait for an eligible producer (the queue, however long)."""
    with uow:
        return int(
            uow.conn.execute(
                sa.select(sa.func.count()).where(
                    queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None)
                )
            ).scalar_one()
        )


def queue(
    *, uow: UnitOfWork, agency_id: int, cursor: str | None = None, limit: int = 200
) -> Page[dict[str, Any]]:
    """Leads waiting for an eligible producer, in the order they will be drained."""
    query = (
        sa.select(
            queue_entries,
            leads.c.insurance_type,
            leads.c.state,
            leads.c.zip,
            leads.c.intent_tier,
            leads.c.first_name,
            leads.c.last_name,
            leads.c.phone,
        )
        .join(leads, leads.c.id == queue_entries.c.lead_id)
        .where(queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None))
    )
    with uow:
        return page(
            uow.conn,
            query,
            queue_entries,
            kind="queue",
            cursor=cursor,
            limit=limit,
            build=_waiting,
            order=[(queue_entries.c.priority, True), (queue_entries.c.queued_at, False)],
        )


def _waiting(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: r[key]
        for key in (
            "lead_id",
            "reason",
            "priority",
            "queued_at",
            "insurance_type",
            "state",
            "zip",
            "intent_tier",
            "first_name",
            "last_name",
            "phone",
        )
    }


def verify(*, uow: UnitOfWork, agency_id: int) -> tuple[int, BrokenLink | None]:
    """How many records the agency's chain holds, and its first broken link (None if intact)."""
    with uow:
        count = uow.conn.execute(
            sa.select(sa.func.count())
            .select_from(decisions)
            .where(decisions.c.agency_id == agency_id)
        ).scalar_one()
        return int(count), verify_chain(uow.conn, agency_id=agency_id)
