"""Reads and conditional writes the routing service needs, inside the caller's transaction."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead, LeadStatus
from leadrouter.domain.routing import ProducerLoad
from leadrouter.store.audit import GENESIS
from leadrouter.store.tables import (
    assignments,
    decisions,
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
    """One more lead for the producer in the pool's rotation."""
    conn.execute(
        _statements(conn.dialect.name).bump_rotation,
        {"agency_id": agency_id, "pool": pool, "producer_id": producer_id, "count": 1},
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
    if rows:
        conn.execute(_SEED_ROTATION, rows)


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
    max_daily = conn.execute(_CLAIM_OPEN, {"producer_id": producer_id}).first()
    if max_daily is None:
        return False
    limit = max_daily[0]
    if limit is not None and limit <= 0:
        return False
    built = _statements(conn.dialect.name)
    params: dict[str, Any] = {"producer_id": producer_id, "day": today, "agency_id": agency_id}
    if limit is not None:
        params["limit"] = limit
    counted = conn.execute(
        built.count_day if limit is None else built.count_day_within, params
    ).first()
    return counted is not None


@dataclass(frozen=True)
class _Statements:
    bump_rotation: Any
    count_day: Any
    count_day_within: Any


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
        bump_rotation=insert(rot).on_conflict_do_update(
            index_elements=[rot.c.agency_id, rot.c.pool, rot.c.producer_id],
            set_={"count": rot.c.count + 1},
        ),
        count_day=count_day.on_conflict_do_update(
            index_elements=[day.c.producer_id, day.c.day],
            set_={"count": day.c.count + 1},
        ).returning(day.c.count),
        count_day_within=count_day.on_conflict_do_update(
            index_elements=[day.c.producer_id, day.c.day],
            set_={"count": day.c.count + 1},
            where=day.c.count < sa.bindparam("limit", type_=sa.Integer),
        ).returning(day.c.count),
    )


_SEED_ROTATION = rotation_counters.insert()
_CLAIM_OPEN = (
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


@dataclass(frozen=True)
class DecisionState:
    """What a decision of one agency depends on, read in one statement under its lock."""

    roster_version: int
    policy_version: int
    chain_head: tuple[int, str]
    open_counts: dict[int, int]
    day_counts: dict[tuple[int, date], int]  # (producer, day) -> leads given that day
    rotation: dict[str, dict[int, int]]

    def loads(self, today: date) -> dict[int, ProducerLoad]:
        """Open leads and new leads on ``today`` of every producer of the agency."""
        return {
            pid: ProducerLoad(open_count=n, new_today=self.day_counts.get((pid, today), 0))
            for pid, n in self.open_counts.items()
        }


def decision_state(conn: sa.Connection, *, agency_id: int, around: date) -> DecisionState:
    """Roster and policy versions, the chain's head, loads and rotation counts of the agency.

    One statement of a handful of rows: per-producer figures come aggregated into one text
    each (``id:count,...``), which is far cheaper to fetch than a row per producer. Day
    counts come for the day before, of, and after ``around`` (a UTC date), so the caller
    picks the agency's local today without a second round trip.
    """
    days = {"d0": around - timedelta(days=1), "d1": around, "d2": around + timedelta(days=1)}
    roster_v, policy_v = 0, 0
    head: tuple[int, str] = (0, GENESIS)
    open_counts: dict[int, int] = {}
    day_counts: dict[tuple[int, date], int] = {}
    rotation: dict[str, dict[int, int]] = {}
    query = _decision_state_query(conn.dialect.name)
    for kind, a, b, s, t in conn.execute(query, {"agency_id": agency_id, **days}):
        if kind == "v":
            roster_v, policy_v = int(a or 0), int(b or 0)
        elif kind == "h":
            head = (int(a), str(s))
        elif kind == "p" and t:
            for item in t.split(","):
                pid, n = item.split(":")
                open_counts[int(pid)] = int(n)
        elif kind == "d" and t:
            for item in t.split(","):
                pid, day, n = item.split(":")
                day_counts[(int(pid), date.fromisoformat(day))] = int(n)
        elif kind == "r" and t:
            rotation[str(s)] = {int(p): int(n) for p, n in (i.split(":") for i in t.split(","))}
    return DecisionState(roster_v, policy_v, head, open_counts, day_counts, rotation)


@functools.cache
def _decision_state_query(dialect: str) -> sa.CompoundSelect[Any]:
    """The statement of ``decision_state``, built once per dialect (their string aggregates
    are spelled differently)."""

    def joined(text: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        if dialect == "postgresql":
            return sa.func.string_agg(text, sa.literal_column("','"), type_=sa.String)
        return sa.func.group_concat(text, sa.literal_column("','"), type_=sa.String)

    def txt(column: Any) -> sa.ColumnElement[str]:
        return sa.cast(column, sa.String)

    agency = sa.bindparam("agency_id", type_=sa.Integer)
    no_int = sa.cast(sa.null(), sa.Integer)
    no_text = sa.cast(sa.null(), sa.String)
    versions = sa.select(
        sa.literal("v", sa.String).label("kind"),
        sa.select(roster_versions.c.version)
        .where(roster_versions.c.agency_id == agency)
        .scalar_subquery()
        .label("a"),
        sa.select(sa.func.max(policies.c.version))
        .where(policies.c.agency_id == agency)
        .scalar_subquery()
        .label("b"),
        no_text.label("s"),
        no_text.label("t"),
    )
    head = (
        sa.select(
            sa.literal("h", sa.String).label("kind"),
            decisions.c.seq.label("a"),
            no_int.label("b"),
            decisions.c.hash.label("s"),
            no_text.label("t"),
        )
        .where(decisions.c.agency_id == agency)
        .order_by(decisions.c.seq.desc())
        .limit(1)
    )
    open_counts = sa.select(
        sa.literal("p", sa.String),
        no_int,
        no_int,
        no_text,
        joined(txt(producers.c.id) + ":" + txt(producers.c.open_count)),
    ).where(producers.c.agency_id == agency)
    day = producer_day_counts
    day_counts = (
        sa.select(
            sa.literal("d", sa.String),
            no_int,
            no_int,
            no_text,
            joined(txt(day.c.producer_id) + ":" + txt(day.c.day) + ":" + txt(day.c.count)),
        )
        .select_from(producers.join(day, day.c.producer_id == producers.c.id))
        .where(
            producers.c.agency_id == agency,
            day.c.day.in_([sa.bindparam("d0"), sa.bindparam("d1"), sa.bindparam("d2")]),
        )
    )
    rot = rotation_counters
    rotation = (
        sa.select(
            sa.literal("r", sa.String),
            no_int,
            no_int,
            rot.c.pool,
            joined(txt(rot.c.producer_id) + ":" + txt(rot.c.count)),
        )
        .where(rot.c.agency_id == agency)
        .group_by(rot.c.pool)
    )
    return sa.union_all(
        sa.select(versions.subquery()),
        sa.select(head.subquery()),
        open_counts,
        day_counts,
        rotation,
    )
