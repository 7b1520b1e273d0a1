"""Producers' trailing track record: close rate (shrunk toward the agency's) and response time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from leadrouter.store.tables import leads

# How many closed leads the agency-wide rate counts for when blended with a producer's own:
# a producer with 2 closes out of 2 is not yet a 100 % closer.
PRIOR_WEIGHT = 10


@dataclass(frozen=True)
class TrackRecord:
    """A producer's trailing close rate and average response time."""

    close_rate: float | None
    avg_response_seconds: float | None


def track_records(
    conn: sa.Connection, *, agency_id: int, since: datetime
) -> dict[int, TrackRecord]:
    """Each producer's record over leads closed or first contacted since ``since``."""
    closed_recently = sa.and_(
        leads.c.status.in_(("bound", "lost")), leads.c.status_changed_at >= since
    )
    rows = conn.execute(
        sa.select(
            leads.c.owner_id,
            sa.func.sum(sa.case((sa.and_(closed_recently, leads.c.status == "bound"), 1), else_=0)),
            sa.func.sum(sa.case((closed_recently, 1), else_=0)),
            sa.func.avg(sa.case((leads.c.first_contact_at >= since, leads.c.response_seconds))),
        )
        .where(
            leads.c.agency_id == agency_id,
            leads.c.owner_id.is_not(None),
            sa.or_(leads.c.status_changed_at >= since, leads.c.first_contact_at >= since),
        )
        .group_by(leads.c.owner_id)
    ).all()
    bound_total = sum(int(r[1] or 0) for r in rows)
    closed_total = sum(int(r[2] or 0) for r in rows)
    prior = bound_total / closed_total if closed_total else None
    records = {}
    for owner_id, bound, closed, avg_response in rows:
        rate = None
        if prior is not None:
            rate = (int(bound or 0) + PRIOR_WEIGHT * prior) / (int(closed or 0) + PRIOR_WEIGHT)
        records[int(owner_id)] = TrackRecord(
            close_rate=rate,
            avg_response_seconds=float(avg_response) if avg_response is not None else None,
        )
    return records
