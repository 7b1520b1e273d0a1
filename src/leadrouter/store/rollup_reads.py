"""The lead figures of any span, read from the daily rollups where whole days allow.

A span ``[since, until)`` is cut at the agency's local midnights: its whole days come from
``lead_rollups`` (plus the change log not folded yet), the partial days at either end (today,
the first day of a trailing window) from the leads through ``ix_leads_agency_created``. The
result is the one ``store.figures.lead_figures`` computes from the leads alone, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from leadrouter.store.figures import Dimension, Figures, lead_figures
from leadrouter.store.response_times import (
    BUCKETS,
    NEVER,
    as_counts,
    histogram,
    merged,
    response_lists,
)
from leadrouter.store.rollups import (
    COUNTS,
    HISTOGRAM,
    NO_PRODUCER,
    NONE,
    contribution,
    local_day,
    to_figures,
)
from leadrouter.store.tables import (
    agencies,
    lead_producer_rollups,
    lead_rollup_log,
    lead_rollups,
    lead_source_rollups,
)

_COLUMNS = {"producer": "producer_id", "line": "line", "tier": "tier", "source": "source"}
_KEY_INDEX = {"producer": 2, "line": 3, "tier": 4, "source": 5}


def _table(by: Sequence[str], producer_id: int | None) -> sa.Table:
    """The per-source or per-producer rollups when they hold what is asked, else the finest
    ones."""
    if producer_id is None and set(by) <= {"source"}:
        return lead_source_rollups
    if set(by) <= {"producer"}:
        return lead_producer_rollups
    return lead_rollups


def _zone(conn: sa.Connection, agency_id: int) -> ZoneInfo:
    tz = conn.execute(sa.select(agencies.c.timezone).where(agencies.c.id == agency_id)).scalar()
    return ZoneInfo(str(tz or "UTC"))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _whole_days(
    since: datetime | None, until: datetime | None, now: datetime, tz: ZoneInfo
) -> tuple[date | None, date]:
    """The first and the end (exclusive) day of the whole local days inside the span."""
    first = None
    if since is not None:
        first = local_day(since, tz)
        if _midnight(first, tz) < since:
            first += timedelta(days=1)
    return first, local_day(until if until is not None else now, tz)


def _plain(value: Any, dimension: str) -> Any:
    """A rollup key part as the leads have it (NULL where the rollups keep 0 or '')."""
    if dimension == "producer":
        return None if value == NO_PRODUCER else value
    return None if value == NONE else value


def rolled_figures(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    by: Sequence[Dimension] = (),
    producer_id: int | None = None,
    buckets: Sequence[datetime] = (),
) -> dict[tuple[Any, ...], Figures]:
    """``lead_figures`` of the same arguments (``until=None``: up to now and after), with the
    whole days read from the rollups. ``buckets`` must be local midnights (months)."""
    if any(d not in _COLUMNS for d in by):
        return lead_figures(
            conn, agency_id=agency_id, since=since, until=until, by=by,
            producer_id=producer_id, buckets=buckets,
        )  # fmt: skip
    tz = _zone(conn, agency_id)
    first, end = _whole_days(since, until, now, tz)

    def raw(lo: datetime | None, hi: datetime | None) -> dict[tuple[Any, ...], Figures]:
        return lead_figures(
            conn, agency_id=agency_id, since=lo, until=hi, by=by,
            producer_id=producer_id, buckets=buckets,
        )  # fmt: skip

    if first is not None and first >= end:
        return raw(since, until)
    out: dict[tuple[Any, ...], Figures] = {}
    parts = [raw(_midnight(end, tz), until)]
    if since is not None and first is not None and since < _midnight(first, tz):
        parts.append(raw(since, _midnight(first, tz)))
    parts.append(_from_rollups(conn, agency_id, first, end, by, producer_id, buckets, tz))
    for part in parts:
        for key, f in part.items():
            out[key] = out[key] + f if key in out else f
    # A rollup row whose leads all moved to another group (a reassignment) is all zeros: the
    # leads show no such group.
    out = {key: f for key, f in out.items() if f.leads}
    if not by and not buckets:
        out.setdefault((), Figures())
    return out


def _from_rollups(
    conn: sa.Connection,
    agency_id: int,
    first: date | None,
    end: date,
    by: Sequence[Dimension],
    producer_id: int | None,
    buckets: Sequence[datetime],
    tz: ZoneInfo,
) -> dict[tuple[Any, ...], Figures]:
    table = _table(by, producer_id)
    cond = [table.c.agency_id == agency_id, table.c.day < end]
    if first is not None:
        cond.append(table.c.day >= first)
    if producer_id is not None:
        cond.append(table.c.producer_id == producer_id)
    keys: list[sa.ColumnElement[Any]] = [table.c[_COLUMNS[d]] for d in by]
    bounds = [local_day(b, tz) for b in buckets]
    if bounds:
        whens = [(table.c.day < b, i) for i, b in enumerate(bounds[1:])]
        keys.insert(0, sa.case(*whens, else_=len(bounds) - 1) if whens else sa.literal(0))
    sums = [sa.func.sum(table.c[n]) for n in COUNTS]
    query = sa.select(*keys, *sums).where(*cond)
    if keys:
        query = query.group_by(*keys)
    dims = (["bucket"] if bounds else []) + list(by)
    out: dict[tuple[Any, ...], Figures] = {}
    for r in conn.execute(query):
        if r[len(keys)] is None:  # no rollup rows at all: the aggregate of nothing
            continue
        key = tuple(v if d == "bucket" else _plain(v, d) for v, d in zip(r, dims, strict=False))
        out[key] = to_figures(r[len(keys) :])
    for change in _unfolded(conn, agency_id, tz):
        day, pid = change.key[1], change.key[2]
        if day >= end or (first is not None and day < first):
            continue
        if producer_id is not None and pid != producer_id:
            continue
        key = tuple(_plain(change.key[_KEY_INDEX[d]], d) for d in by)
        if bounds:
            key = (sum(1 for b in bounds[1:] if day >= b), *key)
        f = to_figures(change.values[: len(COUNTS)])
        out[key] = out[key] + f if key in out else f
    return out


def _unfolded(conn: sa.Connection, agency_id: int, tz: ZoneInfo) -> list[Any]:
    """The agency's log rows not folded into the rollups yet (usually none)."""
    rows = conn.execute(
        sa.select(lead_rollup_log).where(lead_rollup_log.c.agency_id == agency_id)
    ).all()
    return [contribution(r, tz) for r in rows]


def rolled_histogram(
    conn: sa.Connection,
    *,
    agency_id: int,
    since: datetime,
    now: datetime,
    until: datetime | None = None,
) -> list[tuple[str, int]]:
    """The speed chart of the leads received in ``[since, until)``: leads per first-response
    bucket and those never reached; whole days from the rollups, the rest from the leads."""
    tz = _zone(conn, agency_id)
    first, end = _whole_days(since, until, now, tz)
    assert first is not None
    spans = [(since, _midnight(first, tz)), (_midnight(end, tz), until)]
    if first >= end:
        spans = [(since, until)]
    counts = dict.fromkeys([label for label, _ in BUCKETS] + [NEVER], 0)
    for lo, hi in spans:
        times = as_counts(response_lists(conn, agency_id=agency_id, since=lo, until=hi))
        never = lead_figures(conn, agency_id=agency_id, since=lo, until=hi)[()].never_contacted
        for label, n in histogram(merged(times.values()), never):
            counts[label] += n
    if first < end:
        t = lead_source_rollups
        sums = [sa.func.sum(t.c[n]) for n in (*HISTOGRAM, "leads", "contacted")]
        row = conn.execute(
            sa.select(*sums).where(t.c.agency_id == agency_id, t.c.day >= first, t.c.day < end)
        ).one()
        values = [int(v or 0) for v in row]
        for change in _unfolded(conn, agency_id, tz):
            if first <= change.key[1] < end:
                c = change.values
                values = [
                    a + b for a, b in zip(values, (*c[len(COUNTS) :], c[0], c[1]), strict=True)
                ]
        for (label, _), n in zip(BUCKETS, values, strict=False):
            counts[label] += n
        counts[NEVER] += values[-2] - values[-1]
    return list(counts.items())
