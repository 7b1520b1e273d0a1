"""Reads and conditional writes the routing service needs, inside the caller's transaction."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead, LeadStatus
from leadrouter.store.prepared import Prepared
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


# Built once: composing a select of every lead column costs more than running it.
_LEAD_ROW = sa.select(leads).where(
    leads.c.id == sa.bindparam("lead_id"), leads.c.agency_id == sa.bindparam("agency_id")
)


def get_lead_row(conn: sa.Connection, *, agency_id: int, lead_id: int) -> Any:
    return conn.execute(_LEAD_ROW, {"lead_id": lead_id, "agency_id": agency_id}).first()


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


def bump_rotation(conn: sa.Connection, *, agency_id: int, pool: str, producer_id: int) -> None:
    """One more lead for the producer in the pool's rotation."""
    _statements(conn.dialect.name).bump_rotation.execute(
        conn, {"agency_id": agency_id, "pool": pool, "producer_id": producer_id, "count": 1}
    )


def seed_rotation(
    conn: sa.Connection, *, agency_id: int, pool: str, producer_ids: Iterable[int], count: int
) -> None:
    """Give pool members with no counter yet one at ``count`` (the pool's current floor).

    Without it a member never counted would look like a newcomer forever, and round robin
    would keep choosing the lowest id among the ones it had already counted.
    """
    rows = [
        {"agency_id": agency_id, "pool": pool, "producer_id": p, "count": count}
        for p in producer_ids
    ]
    _SEED_ROTATION.executemany(conn, rows)


def claim_capacity(
    conn: sa.Connection,
    *,
    producer_id: int,
    today: date,
    agency_id: int,
) -> bool:
    """Count one more open lead and one more lead today, only if both caps allow it.

    Two conditional writes; when the second refuses, the caller's transaction (which is
    abandoned on a refusal) takes the first back with it. On PostgreSQL they are one
    statement (one round trip fewer under the agency's lock).
    """
    if conn.dialect.name == "postgresql":
        both = claim_params(producer_id=producer_id, today=today, agency_id=agency_id)
        return bool(conn.execute(_claim_both(), both).scalar())
    params: dict[str, Any] = {"producer_id": producer_id, "day": today, "agency_id": agency_id}
    max_daily = _CLAIM_OPEN.first(conn, {"producer_id": producer_id})
    if max_daily is None:
        return False
    limit = max_daily[0]
    if limit is not None and limit <= 0:
        return False
    built = _statements(conn.dialect.name)
    if limit is not None:
        params["limit"] = limit
    counted = (built.count_day if limit is None else built.count_day_within).first(conn, params)
    return counted is not None


@functools.cache
def _claim_both() -> sa.Select[Any]:
    """``claim_capacity`` in one PostgreSQL statement (see ``claim_ctes``)."""
    return sa.select(claim_ctes())


def claim_ctes() -> sa.Exists:
    """The capacity claim as PostgreSQL CTEs, true when it held: the open-lead claim feeds
    the day's count, which is taken only when the claim held and the daily cap allows it.
    Bound as ``claimed`` (the producer), ``on_day`` and ``in_agency``; a statement that
    writes only ``WHERE`` this holds writes nothing on a refused claim."""
    from sqlalchemy.dialects import postgresql

    # No parameter is named like a column of producers: an UPDATE executed with parameters
    # also sets every column one of them is named after.
    one, zero = sa.literal_column("1", sa.Integer), sa.literal_column("0", sa.Integer)
    day = producer_day_counts
    claim = (
        producers.update()
        .where(
            producers.c.id == sa.bindparam("claimed", type_=sa.Integer),
            sa.or_(producers.c.max_open.is_(None), producers.c.open_count < producers.c.max_open),
        )
        .values(open_count=producers.c.open_count + one)
        .returning(producers.c.max_daily)
        .cte("claim")
    )
    limit = sa.select(claim.c.max_daily).scalar_subquery()
    counted = (
        postgresql.insert(day)
        .from_select(
            ["producer_id", "day", "agency_id", "count"],
            sa.select(
                sa.bindparam("claimed", type_=sa.Integer),
                sa.bindparam("on_day", type_=sa.Date),
                sa.bindparam("in_agency", type_=sa.Integer),
                one,
            ).where(sa.or_(claim.c.max_daily.is_(None), claim.c.max_daily > zero)),
        )
        .on_conflict_do_update(
            index_elements=[day.c.producer_id, day.c.day],
            set_={"count": day.c.count + one},
            where=sa.or_(limit.is_(None), day.c.count < limit),
        )
        .returning(day.c.count)
        .cte("counted")
    )
    return sa.exists(sa.select(counted.c.count))


def claim_params(*, producer_id: int, today: date, agency_id: int) -> dict[str, Any]:
    """The parameters of ``claim_ctes``."""
    return {"claimed": producer_id, "on_day": today, "in_agency": agency_id}


@dataclass(frozen=True)
class _Statements:
    bump_rotation: Prepared
    count_day: Prepared
    count_day_within: Prepared


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The upserts of the hot path, built once per dialect."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rot = rotation_counters
    day = producer_day_counts
    count_day = insert(day).values(
        producer_id=sa.bindparam("producer_id"),
        day=sa.bindparam("day"),
        agency_id=sa.bindparam("agency_id"),
        count=1,
    )
    return _Statements(
        bump_rotation=Prepared(
            insert(rot).on_conflict_do_update(
                index_elements=[rot.c.agency_id, rot.c.pool, rot.c.producer_id],
                set_={"count": rot.c.count + 1},
            )
        ),
        count_day=Prepared(
            count_day.on_conflict_do_update(
                index_elements=[day.c.producer_id, day.c.day],
                set_={"count": day.c.count + 1},
            ).returning(day.c.count)
        ),
        count_day_within=Prepared(
            count_day.on_conflict_do_update(
                index_elements=[day.c.producer_id, day.c.day],
                set_={"count": day.c.count + 1},
                where=day.c.count < sa.bindparam("limit", type_=sa.Integer),
            ).returning(day.c.count)
        ),
    )


_SEED_ROTATION = Prepared(rotation_counters.insert())
_CLAIM_OPEN = Prepared(
    producers.update()
    .where(
        producers.c.id == sa.bindparam("producer_id"),
        sa.or_(producers.c.max_open.is_(None), producers.c.open_count < producers.c.max_open),
    )
    .values(open_count=producers.c.open_count + 1)
    .returning(producers.c.max_daily)
)


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


def waiting_reasons(
    conn: sa.Connection,
    *,
    agency_id: int,
    limit: int | None,
    among: Collection[int] | None = None,
) -> dict[int, str]:
    """Queued leads and the reason each was given, in drain order: priority first, then
    arrival (``limit`` None: all of them; ``among``: only these leads, those still
    waiting)."""
    where = [queue_entries.c.agency_id == agency_id, queue_entries.c.resolved_at.is_(None)]
    if among is not None:
        where.append(queue_entries.c.lead_id.in_(list(among)))
    return {
        r.lead_id: r.reason
        for r in conn.execute(
            sa.select(queue_entries.c.lead_id, queue_entries.c.reason)
            .where(*where)
            .order_by(
                queue_entries.c.priority.desc(), queue_entries.c.queued_at, queue_entries.c.id
            )
            .limit(limit)
        )
    }


def restate_reasons(conn: sa.Connection, reasons: Mapping[int, str]) -> None:
    """Give waiting leads the reason that is true now (leads no longer waiting are left)."""
    if not reasons:
        return
    conn.execute(
        queue_entries.update()
        .where(
            queue_entries.c.lead_id == sa.bindparam("lead"), queue_entries.c.resolved_at.is_(None)
        )
        .values(reason=sa.bindparam("why")),
        [{"lead": lead_id, "why": why} for lead_id, why in reasons.items()],
    )
