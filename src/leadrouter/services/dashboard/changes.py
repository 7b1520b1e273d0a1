"""A cheap fingerprint of what the dashboard shows: when it changes, the pages refresh.

Read by the server-sent events stream every second or two. It sees changes made by any
process (API, worker, another server), because it reads the database, not memory. Each part
is read from an index in a few steps, however many leads the agency has had: the newest
arrival and status change of a lead, the newest activity, and the open assignments and open
queue entries (few at any time; an acceptance, a contact, a hand-over or an ending changes
their counts or their newest id).
"""

from __future__ import annotations

import sqlalchemy as sa

from leadrouter.domain.model import LeadStatus
from leadrouter.store.tables import activities, assignments, calls, leads, queue_entries
from leadrouter.store.uow import UnitOfWork


def fingerprint(*, uow: UnitOfWork, agency_id: int) -> str:
    """Newest lead and status change, newest activity, the open assignments and queue, the
    newest call and call update."""
    with uow:
        conn = uow.conn
        open_assignments = assignments.c.agency_id == agency_id, assignments.c.ended_at.is_(None)
        parts = [
            conn.execute(
                sa.select(sa.func.max(leads.c.created_at)).where(leads.c.agency_id == agency_id)
            ).one(),
            # The newest status change of each status: one index seek each.
            conn.execute(
                sa.select(
                    *(
                        sa.select(sa.func.max(leads.c.status_changed_at))
                        .where(leads.c.agency_id == agency_id, leads.c.status == status.value)
                        .scalar_subquery()
                        for status in LeadStatus
                    )
                )
            ).one(),
            conn.execute(
                sa.select(sa.func.max(activities.c.id)).where(activities.c.agency_id == agency_id)
            ).one(),
            conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.max(assignments.c.id),
                    sa.func.count(assignments.c.accepted_at),
                    sa.func.count(assignments.c.contacted_at),
                    sa.func.max(assignments.c.next_due_at),
                ).where(*open_assignments)
            ).one(),
            conn.execute(
                sa.select(sa.func.count(), sa.func.max(queue_entries.c.id)).where(
                    queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None)
                )
            ).one(),
            conn.execute(
                sa.select(sa.func.max(calls.c.id), sa.func.max(calls.c.updated_at)).where(
                    calls.c.agency_id == agency_id
                )
            ).one(),
        ]
    return "|".join(str(tuple(p)) for p in parts)
