"""Producers' trailing track record for the weighted score: close rate (shrunk toward the
agency's) and average first response, read from the same figures as the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.store.figures import lead_figures
from leadrouter.store.rollup_reads import rolled_figures
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
    conn: sa.Connection, *, agency_id: int, since: datetime, now: datetime | None = None
) -> dict[int, TrackRecord]:
    """Each owner's record over the leads received since ``since`` (the producer statistics'
    close rate and average first response; the close rate blended with the agency's). With
    ``now`` the whole days before today are read from the daily rollups."""
    span: dict[str, Any] = {"agency_id": agency_id, "since": since, "until": None}
    found = (
        lead_figures(conn, **span, by=("producer",))
        if now is None
        else rolled_figures(conn, **span, now=now, by=("producer",))
    )
    figures = {key[0]: f for key, f in found.items() if key[0] is not None}
    bound_total = sum(f.bound for f in figures.values())
    closed_total = sum(f.bound + f.lost for f in figures.values())
    prior = bound_total / closed_total if closed_total else None
    records = {}
    for owner_id, f in figures.items():
        rate = None
        if prior is not None:
            rate = (f.bound + PRIOR_WEIGHT * prior) / (f.bound + f.lost + PRIOR_WEIGHT)
        records[int(owner_id)] = TrackRecord(
            close_rate=rate, avg_response_seconds=f.avg_response_seconds
        )
    return records


def last_contacts(conn: sa.Connection, *, agency_id: int, since: datetime) -> dict[int, datetime]:
    """Each owner's latest first contact with a lead at or after ``since``."""
    rows = conn.execute(
        sa.select(leads.c.owner_id, sa.func.max(leads.c.first_contact_at))
        .where(
            leads.c.agency_id == agency_id,
            leads.c.first_contact_at >= since,
            leads.c.owner_id.is_not(None),
        )
        .group_by(leads.c.owner_id)
    ).all()
    return {int(pid): at for pid, at in rows if at is not None}
