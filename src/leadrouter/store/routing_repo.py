"""Reads and conditional writes the routing service needs, inside the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead, LeadStatus
from leadrouter.domain.routing import ProducerLoad
from leadrouter.store.db import upsert_insert
from leadrouter.store.tables import (
    agencies,
    assignments,
    leads,
    policies,
    producer_day_counts,
    producers,
    queue_entries,
    roster_versions,
    rotation_counters,
)


def lead_from_row(row: Any) -> Lead:
    """A leads row as the domain's Lead."""
    return Lead(
        id=row.id,
        agency_id=row.agency_id,
        status=LeadStatus(row.status),
        created_at=row.created_at,
        insurance_type=row.insurance_type,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        zip=row.zip,
        state=row.state,
        county=row.county,
        city=row.city,
        timezone=row.timezone,
        source=row.source_name,
        exclusive=row.exclusive,
        attributes=dict(row.attributes or {}),
        client_id=row.client_id,
        owner_id=row.owner_id,
        intent_tier=row.intent_tier,
        do_not_contact=row.do_not_contact,
    )


def get_lead_row(conn: sa.Connection, *, agency_id: int, lead_id: int) -> Any:
    return conn.execute(
        sa.select(leads).where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
    ).first()


def lead_rows(conn: sa.Connection, *, agency_id: int, lead_ids: list[int]) -> list[Any]:
    """The agency's leads with these ids, in one query."""
    return list(
        conn.execute(
            sa.select(leads).where(leads.c.agency_id == agency_id, leads.c.id.in_(lead_ids))
        )
    )


def roster_version(conn: sa.Connection, agency_id: int) -> int:
    v = conn.execute(
        sa.select(roster_versions.c.version).where(roster_versions.c.agency_id == agency_id)
    ).scalar()
    return int(v or 0)


@dataclass(frozen=True)
class AgencyForRouting:
    name: str
    timezone: str
    settings: dict[str, Any]
    roster_version: int
    policy_version: int


def agency_for_routing(conn: sa.Connection, agency_id: int) -> AgencyForRouting:
    """The agency's name, time zone, settings and current roster and policy versions."""
    roster_v = (
        sa.select(roster_versions.c.version)
        .where(roster_versions.c.agency_id == agency_id)
        .scalar_subquery()
    )
    policy_v = (
        sa.select(sa.func.max(policies.c.version))
        .where(policies.c.agency_id == agency_id)
        .scalar_subquery()
    )
    row = conn.execute(
        sa.select(
            agencies.c.name,
            agencies.c.timezone,
            agencies.c.settings,
            roster_v.label("roster_version"),
            policy_v.label("policy_version"),
        ).where(agencies.c.id == agency_id)
    ).one()
    return AgencyForRouting(
        row.name,
        row.timezone,
        dict(row.settings or {}),
        int(row.roster_version or 0),
        int(row.policy_version or 0),
    )


def loads(conn: sa.Connection, *, agency_id: int, today: date) -> dict[int, ProducerLoad]:
    """Open leads and new leads today of every producer of the agency (one query)."""
    day = producer_day_counts
    rows = conn.execute(
        sa.select(producers.c.id, producers.c.open_count, day.c.count)
        .select_from(
            producers.outerjoin(
                day, sa.and_(day.c.producer_id == producers.c.id, day.c.day == today)
            )
        )
        .where(producers.c.agency_id == agency_id)
    )
    return {
        int(pid): ProducerLoad(open_count=int(open_count), new_today=int(today_count or 0))
        for pid, open_count, today_count in rows
    }


def rotation(conn: sa.Connection, *, agency_id: int) -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for pool, producer_id, count in conn.execute(
        sa.select(
            rotation_counters.c.pool, rotation_counters.c.producer_id, rotation_counters.c.count
        ).where(rotation_counters.c.agency_id == agency_id)
    ):
        out[pool][int(producer_id)] = int(count)
    return dict(out)


def bump_rotation(conn: sa.Connection, *, agency_id: int, pool: str, producer_id: int) -> None:
    conn.execute(
        upsert_insert(conn)(rotation_counters)
        .values(agency_id=agency_id, pool=pool, producer_id=producer_id, count=1)
        .on_conflict_do_update(
            index_elements=[
                rotation_counters.c.agency_id,
                rotation_counters.c.pool,
                rotation_counters.c.producer_id,
            ],
            set_={"count": rotation_counters.c.count + 1},
        )
    )


def seed_rotation(
    conn: sa.Connection, *, agency_id: int, pool: str, producer_ids: Iterable[int], count: int
) -> None:
    """Give pool members with no counter yet one at ``count`` (the pool's current floor).

    Without it a member never counted would look like a newcomer forever, and round robin
    would keep choosing the lowest id among the ones it had already counted.
    """
    for producer_id in producer_ids:
        conn.execute(
            rotation_counters.insert().values(
                agency_id=agency_id, pool=pool, producer_id=producer_id, count=count
            )
        )


def claim_capacity(
    conn: sa.Connection,
    *,
    producer_id: int,
    today: date,
    agency_id: int,
) -> bool:
    """Count one more open lead and one more lead today, only if both caps allow it.

    Two conditional writes; when the second refuses, the caller's transaction (which is
    abandoned on a refusal) takes the first back with it.
    """
    max_daily = conn.execute(
        producers.update()
        .where(
            producers.c.id == producer_id,
            sa.or_(producers.c.max_open.is_(None), producers.c.open_count < producers.c.max_open),
        )
        .values(open_count=producers.c.open_count + 1)
        .returning(producers.c.max_daily)
    ).first()
    if max_daily is None:
        return False
    limit = max_daily[0]
    if limit is not None and limit <= 0:
        return False
    insert = upsert_insert(conn)(producer_day_counts).values(
        producer_id=producer_id, day=today, agency_id=agency_id, count=1
    )
    counted = conn.execute(
        insert.on_conflict_do_update(
            index_elements=[producer_day_counts.c.producer_id, producer_day_counts.c.day],
            set_={"count": producer_day_counts.c.count + 1},
            where=None if limit is None else producer_day_counts.c.count < limit,
        ).returning(producer_day_counts.c.count)
    ).first()
    return counted is not None


def release_capacity(conn: sa.Connection, *, producer_id: int) -> None:
    """One open lead fewer (never below zero)."""
    conn.execute(
        producers.update()
        .where(producers.c.id == producer_id, producers.c.open_count > 0)
        .values(open_count=producers.c.open_count - 1)
    )


def open_assignment_row(conn: sa.Connection, *, lead_id: int, lock: bool = False) -> Any:
    """The lead's open assignment (locked for update when asked), or None."""
    query = sa.select(assignments).where(
        assignments.c.lead_id == lead_id, assignments.c.ended_at.is_(None)
    )
    return conn.execute(query.with_for_update() if lock else query).first()


def enqueue(
    conn: sa.Connection,
    *,
    agency_id: int,
    lead_id: int,
    reason: str,
    priority: int,
    now: datetime,
) -> None:
    """Put the lead in the agency's queue, or refresh the reason if it already waits."""
    updated = conn.execute(
        queue_entries.update()
        .where(queue_entries.c.lead_id == lead_id, queue_entries.c.resolved_at.is_(None))
        .values(reason=reason, priority=priority)
    ).rowcount
    if not updated:
        conn.execute(
            queue_entries.insert().values(
                agency_id=agency_id,
                lead_id=lead_id,
                reason=reason,
                priority=priority,
                queued_at=now,
            )
        )


def resolve_queue_entry(conn: sa.Connection, *, lead_id: int, now: datetime) -> None:
    conn.execute(
        queue_entries.update()
        .where(queue_entries.c.lead_id == lead_id, queue_entries.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


def waiting_leads(conn: sa.Connection, *, agency_id: int, limit: int) -> list[int]:
    """Queued leads in drain order: priority first, then arrival."""
    return [
        r.lead_id
        for r in conn.execute(
            sa.select(queue_entries.c.lead_id)
            .where(queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None))
            .order_by(
                queue_entries.c.priority.desc(), queue_entries.c.queued_at, queue_entries.c.id
            )
            .limit(limit)
        )
    ]
