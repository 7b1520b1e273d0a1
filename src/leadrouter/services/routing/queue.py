"""The queue: which waiting leads someone may now take, and draining them.

A lead nobody may take waits in the queue with its reason (``apply``). The worker drains an
agency's queue when its roster changes and every minute (a shift may have started), a
read-only look first, so a queue nobody can take from costs no write lock; an outcome that
frees a producer drains it inside the outcome's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.routing import route
from leadrouter.services.routing.apply import RouteResult, queue_reason
from leadrouter.services.routing.context import RoutingCaches, agency_state, context_for
from leadrouter.services.routing.route import route_lead_in_tx
from leadrouter.services.timers import state as timer_state
from leadrouter.store import routing_repo as repo
from leadrouter.store.leads import LeadRepository
from leadrouter.store.locks import lock_agency
from leadrouter.store.uow import UnitOfWork


def drain_queue_in_tx(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    now: datetime,
    limit: int = 200,
    among: Collection[int] | None = None,
) -> list[RouteResult]:
    """Route waiting leads, highest priority and oldest first; those still stuck stay queued
    (``among``: only these, those of them still waiting once the agency is locked).

    A producer who declined a lead, or let its offer expire, is not offered it again.
    """
    lock_agency(conn, agency_id)
    waiting = repo.waiting_reasons(conn, agency_id=agency_id, limit=limit, among=among)
    refused = timer_state.refused_by_each(conn, lead_ids=waiting)
    return [
        route_lead_in_tx(
            conn,
            caches,
            agency_id=agency_id,
            lead_id=lead_id,
            now=now,
            kind="drain",
            only_if_assigned=True,
            exclude=refused[lead_id],
        )
        for lead_id in waiting
    ]


@dataclasses.dataclass(frozen=True)
class QueueLook:
    """What a read-only look at the queue found: the leads someone may now take, in drain
    order, and the reason true now of each lead still stuck whose stored reason went stale."""

    ready: list[int]
    restated: dict[int, str]


def look_at_queue(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    now: datetime,
    limit: int = 200,
    page: int = 200,
) -> QueueLook:
    """Up to ``limit`` waiting leads that would now be assigned, in drain order, and today's
    reason for those still stuck (a read-only look before draining). The whole queue is
    looked through, so leads nobody may take at its head (a state where nobody is licensed)
    never hold back the leads behind them: its order is read once, then the leads' rows and
    refusals a ``page`` at a time. The agency's side (roster, loads, rotation, policy) is
    read once.
    """
    found: list[int] = []
    restated: dict[int, str] = {}
    queue = list(repo.waiting_reasons(conn, agency_id=agency_id, limit=None).items())
    if not queue:
        return QueueLook(found, restated)
    agency = agency_state(conn, caches, agency_id=agency_id, now=now)
    for start in range(0, len(queue), page):
        waiting = dict(queue[start : start + page])
        rows = {r.id: r for r in LeadRepository(conn).many(agency_id, list(waiting))}
        refused = timer_state.refused_by_each(conn, lead_ids=waiting)
        for lead_id, stored in waiting.items():
            lead = repo.lead_from_row(rows[lead_id])
            ctx = context_for(conn, caches, lead=lead, now=now, agency=agency)
            decision = route(ctx.roster, ctx.input, ctx.policy, exclude=refused[lead_id])
            if decision.outcome == "assigned":
                found.append(lead_id)
                if len(found) == limit:
                    return QueueLook(found, restated)
            elif decision.outcome == "queued" and lead.status == LeadStatus.QUEUED:
                reason = queue_reason(decision.reason)
                if reason != stored:
                    restated[lead_id] = reason
    return QueueLook(found, restated)


def drain_queue(
    *, uow: UnitOfWork, caches: RoutingCaches, agency_id: int, now: datetime
) -> list[RouteResult]:
    """Drain the agency's queue in its own transaction, if anything waiting can now go, and
    give the leads still waiting the reason true now (their roster, caps or shifts changed).

    A read-only look comes first, so a queue nobody can take from, whose reasons still hold,
    costs no write lock.
    """
    with uow.reader() as reader:
        look = look_at_queue(reader.conn, caches, agency_id=agency_id, now=now)
    if not look.ready and not look.restated:
        return []
    with uow:
        lock_agency(uow.conn, agency_id)  # before any queue row, as every router does
        repo.restate_reasons(uow.conn, look.restated)
        results = (
            drain_queue_in_tx(uow.conn, caches, agency_id=agency_id, now=now, among=look.ready)
            if look.ready
            else []
        )
        uow.commit()
    return results
