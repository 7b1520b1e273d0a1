"""Daily rollups of the lead figures: kept from the change log, rebuilt from the leads.

``lead_rollups`` holds, per agency x local day x owner x line x intent tier x source, the
figures of the leads received that day (``lead_source_rollups`` and ``lead_producer_rollups``
the same summed per source and per owner) (``store.figures``: counts, response-time sum and the
speed chart's buckets, money in cents). The triggers of ``store.rollup_triggers`` append each
change of a lead's figures to ``lead_rollup_log`` in the writer's transaction; ``fold_log``
turns the log into signed additions to the rollups. The worker folds a bounded batch each
tick (``leadrouter.worker``), off the writers' path; until then the readers
(``store.rollup_reads``) add what the log still holds, so a read is exact either way.
``rebuild_rollups`` recomputes them from the leads (``leadrouter reports rebuild-rollups``).

Medians do not add up: the exact medians are read from the leads through an index
(``store.response_times``), not from here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.store.figures import FIVE_MINUTES, THIRTY_MINUTES, Figures
from leadrouter.store.response_times import BUCKETS
from leadrouter.store.tables import (
    ROLLUP_COUNTS,
    ROLLUP_HISTOGRAM,
    agencies,
    lead_producer_rollups,
    lead_rollup_log,
    lead_rollups,
    lead_source_rollups,
    leads,
)

# How many log rows one fold takes at most (the worker's batch per tick): a bulk load does
# not make one tick long (readers add what is left; the rebuild folds all).
FOLD_LIMIT = 5000
COUNTS = ROLLUP_COUNTS
HISTOGRAM = ROLLUP_HISTOGRAM
assert len(HISTOGRAM) == len(BUCKETS)
NO_PRODUCER = 0
NONE = ""

Key = tuple[int, date, int, str, str, str]  # agency, day, producer, line, tier, source
FINE_KEY = ("agency_id", "day", "producer_id", "line", "tier", "source")
SOURCE_KEY = ("agency_id", "day", "source")
PRODUCER_KEY = ("agency_id", "day", "producer_id")
# The coarser rollups, each the fine one summed to its key (positions in ``Key``).
COARSE: tuple[tuple[sa.Table, tuple[str, ...], tuple[int, ...]], ...] = (
    (lead_source_rollups, SOURCE_KEY, (0, 1, 5)),
    (lead_producer_rollups, PRODUCER_KEY, (0, 1, 2)),
)


@dataclass(frozen=True)
class Change:
    """One log row's signed figures, at its rollup key."""

    key: Key
    values: tuple[int, ...]  # COUNTS then HISTOGRAM, signed


def local_day(at: datetime, tz: ZoneInfo) -> date:
    """The agency's calendar day of an instant."""
    return at.astimezone(tz).date()


def contribution(row: Any, tz: ZoneInfo) -> Change:
    """What one lead (a log row) adds to its rollup row: ``store.figures``'s aggregates, lead
    by lead, in the same words."""
    seconds = row.response_seconds
    contacted = row.first_contact_at is not None
    bucket = [0] * len(BUCKETS)
    if seconds is not None:
        bucket[next(i for i, (_, up) in enumerate(BUCKETS) if up is None or seconds <= up)] = 1
    counts = (
        1,
        int(contacted),
        int(seconds is not None and seconds <= FIVE_MINUTES),
        int(seconds is not None and seconds <= THIRTY_MINUTES),
        (seconds or 0) if contacted else 0,
        int(row.quoted_at is not None or row.status == "bound"),
        int(row.status == "bound"),
        int(row.status == "lost"),
        row.premium_cents or 0,
        row.commission_cents or 0,
        row.quoted_premium_cents or 0,
    )
    key: Key = (
        row.agency_id,
        local_day(row.created_at, tz),
        row.owner_id or NO_PRODUCER,
        row.business_line or NONE,
        row.intent_tier or NONE,
        row.source_name or NONE,
    )
    return Change(key, tuple(row.sign * v for v in (*counts, *bucket)))


def timezones(conn: sa.Connection, agency_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    """The time zones of these agencies."""
    ids = sorted(set(agency_ids))
    if not ids:
        return {}
    query = sa.select(agencies.c.id, agencies.c.timezone).where(agencies.c.id.in_(ids))
    return {r.id: ZoneInfo(r.timezone) for r in conn.execute(query)}


def changes(conn: sa.Connection, rows: Sequence[Any]) -> dict[Key, list[int]]:
    """Log rows summed per rollup key (keys whose changes cancel out are left out)."""
    zones = timezones(conn, (r.agency_id for r in rows))
    out: dict[Key, list[int]] = {}
    for r in rows:
        change = contribution(r, zones[r.agency_id])
        acc = out.setdefault(change.key, [0] * len(change.values))
        for i, v in enumerate(change.values):
            acc[i] += v
    return {k: v for k, v in out.items() if any(v)}


def fold_log(conn: sa.Connection, *, limit: int | None = FOLD_LIMIT) -> int:
    """Fold (up to ``limit``, oldest first) log rows into the rollups, in the caller's
    transaction; how many were folded. The rows are claimed by deleting them (``DELETE ...
    RETURNING``; on PostgreSQL the rows chosen are locked with SKIP LOCKED), so two folds at
    once never count a row twice, and a fold rolled back leaves them in the log."""
    rows = conn.execute(_claim(conn.dialect.name, limit is not None), {"limit": limit}).all()
    if rows:
        add_to_rollups(conn, changes(conn, rows))
    return len(rows)


@functools.cache
def _claim(dialect: str, limited: bool) -> Any:
    log = lead_rollup_log
    chosen = sa.select(log.c.id).order_by(log.c.id)
    if limited:
        chosen = chosen.limit(sa.bindparam("limit", type_=sa.Integer))
    if dialect == "postgresql":
        # Chosen once: as a plain subquery the planner may scan it again for every row, and
        # each scan skips the rows this DELETE already took, so LIMIT would bound nothing.
        once = chosen.with_for_update(skip_locked=True).cte("chosen").prefix_with("MATERIALIZED")
        chosen = sa.select(once.c.id)
    return log.delete().where(log.c.id.in_(chosen.scalar_subquery())).returning(*log.c)


def add_to_rollups(conn: sa.Connection, found: dict[Key, list[int]]) -> None:
    """Add signed figures to their rollup rows (created at zero when missing), and to the
    per-source and per-producer rows, in key order so that two transactions never wait on
    each other's rows in a cycle; one statement per table."""
    _upsert_all(conn, lead_rollups, FINE_KEY, found)
    for table, names, positions in COARSE:
        coarse: dict[tuple[Any, ...], list[int]] = {}
        for key, values in found.items():
            acc = coarse.setdefault(tuple(key[i] for i in positions), [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += v
        _upsert_all(conn, table, tuple(names), coarse)


def _upsert_all(
    conn: sa.Connection, table: sa.Table, names: tuple[str, ...], added: Mapping[Any, list[int]]
) -> None:
    rows = [
        dict(zip((*names, *_FIGURES), (*key, *added[key]), strict=True)) for key in sorted(added)
    ]
    if rows:
        conn.execute(_upsert(conn.dialect.name, table.name, names), rows)


_FIGURES = (*COUNTS, *HISTOGRAM)


@functools.cache
def _upsert(dialect: str, table_name: str, key: tuple[str, ...]) -> Any:
    """Add the bound figures to the row at the bound key (built once per table)."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = lead_rollups.metadata.tables[table_name]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_={n: table.c[n] + stmt.excluded[n] for n in _FIGURES}
    )


def _day_sql(conn: sa.Connection, agency_id: int, tz: str) -> sa.ColumnElement[Any]:
    """The local day of a lead's arrival, in SQL. PostgreSQL knows time zones; on SQLite the
    agency's UTC offsets over its leads' time range (from zoneinfo, like ``local_day``) become
    a CASE over the instants where the offset changes."""
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(tz, leads.c.created_at), sa.Date)
    lo, hi = conn.execute(
        sa.select(sa.func.min(leads.c.created_at), sa.func.max(leads.c.created_at)).where(
            leads.c.agency_id == agency_id
        )
    ).one()
    if lo is None:
        return sa.func.date(leads.c.created_at)
    offsets = _offsets(ZoneInfo(tz), lo, hi)

    def shifted(minutes: int) -> sa.ColumnElement[Any]:
        return sa.func.date(leads.c.created_at, f"{minutes:+d} minutes")

    whens = [(leads.c.created_at < until, shifted(m)) for until, m in offsets[:-1]]
    last = shifted(offsets[-1][1])
    return sa.case(*whens, else_=last) if whens else last


def _offsets(tz: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """(until, UTC offset in minutes) for each stretch of one offset from ``lo`` to ``hi``
    (the last stretch's ``until`` is ``hi``); the changes found to the second."""

    def offset(at: datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    out: list[tuple[datetime, int]] = []
    day = timedelta(days=1)
    at, current = lo, offset(lo)
    while at < hi:
        nxt = min(at + day, hi)
        if offset(nxt) != current:
            low, high = at, nxt  # offset(low) == current != offset(high)
            while (high - low) > timedelta(seconds=1):
                mid = low + (high - low) / 2
                low, high = (mid, high) if offset(mid) == current else (low, mid)
            change = high.replace(microsecond=0)
            if offset(change) == current:
                change += timedelta(seconds=1)
            out.append((change, current))
            at, current = change, offset(change)
            continue
        at = nxt
    out.append((hi, current))
    return out


def _sum_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _cents(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.cast(sa.func.round(sa.func.sum(column) * 100), sa.BigInteger), 0)


def _aggregates() -> list[sa.ColumnElement[Any]]:
    """``store.figures``'s aggregates in the rollups' columns (money in cents, buckets)."""
    seconds, contacted = leads.c.response_seconds, leads.c.first_contact_at.is_not(None)
    out: list[sa.ColumnElement[Any]] = [
        sa.func.count(),
        sa.func.count(leads.c.first_contact_at),
        _sum_if(seconds <= FIVE_MINUTES),
        _sum_if(seconds <= THIRTY_MINUTES),
        sa.func.coalesce(sa.func.sum(sa.case((contacted, seconds), else_=0)), 0),
        _sum_if(sa.or_(leads.c.quoted_at.is_not(None), leads.c.status == "bound")),
        _sum_if(leads.c.status == "bound"),
        _sum_if(leads.c.status == "lost"),
        _cents(leads.c.premium),
        _cents(leads.c.commission),
        _cents(leads.c.quoted_premium),
    ]
    low = None
    for _, upper in BUCKETS:
        cond: sa.ColumnElement[bool] = seconds.is_not(None)
        if low is not None:
            cond = sa.and_(cond, seconds > low)
        if upper is not None:
            cond = sa.and_(cond, seconds <= upper)
        out.append(_sum_if(cond))
        low = upper
    return out


def rebuild_rollups(
    conn: sa.Connection, agency_id: int | None = None, *, coarse: bool = True
) -> int:
    """Recompute the rollups of one agency (or all) from its leads, in the caller's
    transaction, and empty their change log; how many fine rollup rows there are now. Each
    is one INSERT ... SELECT: the fine rows from the leads, the coarser ones from the fine.
    ``coarse=False`` leaves out the per-producer rows (the migration that made the rollups
    runs before their table exists)."""
    query = sa.select(agencies.c.id, agencies.c.timezone)
    if agency_id is not None:
        query = query.where(agencies.c.id == agency_id)
    tables = [lead_rollups, *(t for t, _, _ in COARSE if coarse or t is lead_source_rollups)]
    names = (*COUNTS, *HISTOGRAM)
    written = 0
    for agency in conn.execute(query).all():
        conn.execute(lead_rollup_log.delete().where(lead_rollup_log.c.agency_id == agency.id))
        for table in tables:
            conn.execute(table.delete().where(table.c.agency_id == agency.id))
        keys = [
            _day_sql(conn, agency.id, agency.timezone).label("day"),
            sa.func.coalesce(leads.c.owner_id, NO_PRODUCER).label("producer_id"),
            sa.func.coalesce(leads.c.business_line, NONE).label("line"),
            sa.func.coalesce(leads.c.intent_tier, NONE).label("tier"),
            sa.func.coalesce(leads.c.source_name, NONE).label("source"),
        ]
        select = (
            sa.select(sa.literal(agency.id, sa.Integer), *keys, *_aggregates())
            .where(leads.c.agency_id == agency.id)
            .group_by(*keys)
        )
        conn.execute(lead_rollups.insert().from_select([*FINE_KEY, *names], select))
        for table, key, _ in COARSE:
            if table not in tables:
                continue
            parts = [lead_rollups.c[k] for k in key]
            summed = (
                sa.select(*parts, *(sa.func.sum(lead_rollups.c[n]) for n in names))
                .where(lead_rollups.c.agency_id == agency.id)
                .group_by(*parts)
            )
            conn.execute(table.insert().from_select([*key, *names], summed))
        written += conn.execute(
            sa.select(sa.func.count())
            .select_from(lead_rollups)
            .where(lead_rollups.c.agency_id == agency.id)
        ).scalar_one()
    return int(written)


def to_figures(values: Sequence[Any]) -> Figures:
    """Rollup sums (COUNTS order) as the figures the reports read."""
    v = [int(x or 0) for x in values]
    return Figures(
        leads=v[0],
        contacted=v[1],
        within_5_min=v[2],
        within_30_min=v[3],
        response_seconds_total=v[4],
        quoted=v[5],
        bound=v[6],
        lost=v[7],
        premium=Decimal(v[8]).scaleb(-2),
        commission=Decimal(v[9]).scaleb(-2),
        quoted_premium=Decimal(v[10]).scaleb(-2),
    )
