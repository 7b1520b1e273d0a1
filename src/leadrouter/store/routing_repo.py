"""Reads and conditional writes the routing service needs, inside the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead, LeadStatus
from leadrouter.domain.routing import ProducerLoad
from leadrouter.store.tables import (
    assignments,
    leads,
    producer_day_counts,
    producers,
    queue_entries,
    roster_versions,
    rotation_counters,
)


def lead_from_row(row: Any) -> Lead:
    """A leads row as the domain's Lead."""
    return Lead(
        id=row.id, agency_id=row.agency_id, status=LeadStatus(row.status),
        created_at=row.created_at, insurance_type=row.insurance_type,
        first_name=row.first_name, last_name=row.last_name, email=row.email, phone=row.phone,
        zip=row.zip, state=row.state, county=row.county, city=row.city, timezone=row.timezone,
        source=row.source_name, exclusive=row.exclusive, attributes=dict(row.attributes or {}),
        client_id=row.client_id, owner_id=row.owner_id, intent_tier=row.intent_tier,
        do_not_contact=row.do_not_contact,
    )


def get_lead_row(conn: sa.Connection, *, agency_id: int, lead_id: int) -> Any:
    return conn.execute(
        sa.select(leads).where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
    ).first()


def roster_version(conn: sa.Connection, agency_id: int) -> int:
    v = conn.execute(
        sa.select(roster_versions.c.version).where(roster_versions.c.agency_id == agency_id)
    ).scalar()
    return int(v or 0)


def loads(conn: sa.Connection, *, agency_id: int, today: date) -> dict[int, ProducerLoad]:
    """Open leads and new leads today of every producer of the agency."""
    day = {
        int(pid): int(n)
        for pid, n in conn.execute(
            sa.select(producer_day_counts.c.producer_id, producer_day_counts.c.count).where(
                producer_day_counts.c.agency_id == agency_id, producer_day_counts.c.day == today
            )
        )
    }
    return {
        r.id: ProducerLoad(open_count=r.open_count, new_today=day.get(r.id, 0),
                           close_rate=None, avg_response_seconds=None)
        for r in conn.execute(
            sa.select(producers.c.id, producers.c.open_count)
            .where(producers.c.agency_id == agency_id)
        )
    }


def rotation(conn: sa.Connection, *, agency_id: int) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for pool, producer_id, count in conn.execute(
        sa.select(rotation_counters.c.pool, rotation_counters.c.producer_id,
                  rotation_counters.c.count).where(rotation_counters.c.agency_id == agency_id)
    ):
        out[pool][int(producer_id)] = int(count)
    return dict(out)


def bump_rotation(conn: sa.Connection, *, agency_id: int, pool: str, producer_id: int) -> None:
    updated = conn.execute(
        rotation_counters.update().where(
            rotation_counters.c.agency_id == agency_id, rotation_counters.c.pool == pool,
            rotation_counters.c.producer_id == producer_id,
        ).values(count=rotation_counters.c.count + 1)
    ).rowcount
    if not updated:
        conn.execute(rotation_counters.insert().values(
            agency_id=agency_id, pool=pool, producer_id=producer_id, count=1))


def claim_capacity(
    conn: sa.Connection, *, producer_id: int, today: date, agency_id: int,
) -> bool:
    """Count one more open lead and one more lead today, only if both caps allow it."""
    claimed = conn.execute(
        producers.update().where(
            producers.c.id == producer_id,
            sa.or_(producers.c.max_open.is_(None), producers.c.open_count < producers.c.max_open),
        ).values(open_count=producers.c.open_count + 1)
    ).rowcount
    if not claimed:
        return False
    max_daily = conn.execute(
        sa.select(producers.c.max_daily).where(producers.c.id == producer_id)
    ).scalar()
    bumped = conn.execute(
        producer_day_counts.update().where(
            producer_day_counts.c.producer_id == producer_id, producer_day_counts.c.day == today,
            sa.true() if max_daily is None else producer_day_counts.c.count < max_daily,
        ).values(count=producer_day_counts.c.count + 1)
    ).rowcount
    if bumped:
        return True
    exists = conn.execute(
        sa.select(producer_day_counts.c.count).where(
            producer_day_counts.c.producer_id == producer_id, producer_day_counts.c.day == today)
    ).first()
    if exists is not None or max_daily == 0:
        return False  # at the daily cap; the caller's transaction rolls the open count back
    conn.execute(producer_day_counts.insert().values(
        producer_id=producer_id, day=today, agency_id=agency_id, count=1))
    return True


def release_capacity(conn: sa.Connection, *, producer_id: int) -> None:
    """One open lead fewer (never below zero)."""
    conn.execute(
        producers.update().where(producers.c.id == producer_id, producers.c.open_count > 0)
        .values(open_count=producers.c.open_count - 1)
    )


def open_assignment_row(conn: sa.Connection, *, lead_id: int) -> Any:
    return conn.execute(
        sa.select(assignments).where(assignments.c.lead_id == lead_id,
                                     assignments.c.ended_at.is_(None))
    ).first()


def enqueue(
    conn: sa.Connection, *, agency_id: int, lead_id: int, reason: str, priority: int,
    now: datetime,
) -> None:
    """Put the lead in the agency's queue, or refresh the reason if it already waits."""
    updated = conn.execute(
        queue_entries.update().where(queue_entries.c.lead_id == lead_id,
                                     queue_entries.c.resolved_at.is_(None))
        .values(reason=reason, priority=priority)
    ).rowcount
    if not updated:
        conn.execute(queue_entries.insert().values(
            agency_id=agency_id, lead_id=lead_id, reason=reason, priority=priority,
            queued_at=now))


def resolve_queue_entry(conn: sa.Connection, *, lead_id: int, now: datetime) -> None:
    conn.execute(
        queue_entries.update().where(queue_entries.c.lead_id == lead_id,
                                     queue_entries.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


def waiting_leads(conn: sa.Connection, *, agency_id: int, limit: int) -> list[int]:
    """Queued leads in drain order: priority first, then arrival."""
    return [
        r.lead_id for r in conn.execute(
            sa.select(queue_entries.c.lead_id).where(
                queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None)
            ).order_by(queue_entries.c.priority.desc(), queue_entries.c.queued_at,
                       queue_entries.c.id).limit(limit)
        )
    ]
