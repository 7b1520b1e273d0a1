"""A cheap fingerprint of what the dashboard shows: when it changes, the pages refresh.

Read by the server-sent events stream every second or two. It sees changes made by any
process (API, worker, another server), because it reads the database, not memory.
"""

from __future__ import annotations

import sqlalchemy as sa

from leadrouter.store.tables import activities, assignments, calls, leads, queue_entries
from leadrouter.store.uow import UnitOfWork


def fingerprint(*, uow: UnitOfWork, agency_id: int) -> str:
    """Newest lead, status change, activity, assignment, acceptance, queue move and call."""
    with uow:
        conn = uow.conn
        parts = [
            conn.execute(
                sa.select(sa.func.max(leads.c.id), sa.func.max(leads.c.status_changed_at)).where(
                    leads.c.agency_id == agency_id
                )
            ).one(),
            conn.execute(
                sa.select(sa.func.max(activities.c.id)).where(activities.c.agency_id == agency_id)
            ).one(),
            conn.execute(
                sa.select(
                    sa.func.max(assignments.c.id),
                    sa.func.max(assignments.c.accepted_at),
                    sa.func.max(assignments.c.contacted_at),
                    sa.func.max(assignments.c.ended_at),
                ).where(assignments.c.agency_id == agency_id)
            ).one(),
            conn.execute(
                sa.select(
                    sa.func.max(queue_entries.c.id), sa.func.max(queue_entries.c.resolved_at)
                ).where(queue_entries.c.agency_id == agency_id)
            ).one(),
            conn.execute(
                sa.select(sa.func.max(calls.c.id), sa.func.max(calls.c.updated_at)).where(
                    calls.c.agency_id == agency_id
                )
            ).one(),
        ]
    return "|".join(str(tuple(p)) for p in parts)
