"""Conversion estimates from the agency's closed leads: for the optimizer and for people.

The fit reads a trailing window of closed leads (bound or lost, with an owner) and is cached
per agency and window for a few minutes (outcomes move slowly next to decisions).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead
from leadrouter.domain.routing import Belief, LearningInput, OptimizerSpec, ProducerLoad
from leadrouter.store.tables import leads, producer_day_counts, producers
from leadrouter.store.uow import UnitOfWork

# ``learning.estimates`` brings numpy, which routing needs only for the optimizer: it is
# imported where a fit is read, so the commands and the server start without it.
if TYPE_CHECKING:
    from leadrouter.learning.estimates import ConversionEstimates, Observation, SegmentKey


def closed_observations(
    conn: sa.Connection, *, agency_id: int, since: datetime, until: datetime
) -> list[Observation]:
    """Leads closed (bound or lost) in ``[since, until)`` by their owner, with their segment."""
    from leadrouter.learning.estimates import LIVE, Observation, segment_of

    rows = conn.execute(
        sa.select(
            leads.c.owner_id,
            leads.c.business_line,
            leads.c.intent_tier,
            leads.c.source_name,
            leads.c.state,
            leads.c.status,
            leads.c.premium,
            leads.c.created_at,
            leads.c.first_assigned_at,
        ).where(
            leads.c.agency_id == agency_id,
            leads.c.owner_id.is_not(None),
            leads.c.status.in_(("bound", "lost")),
            leads.c.status_changed_at >= since,
            leads.c.status_changed_at < until,
        )
    ).all()
    return [
        Observation(
            int(r.owner_id),
            segment_of(r.business_line, r.intent_tier, r.source_name, r.state),
            r.status == "bound",
            float(r.premium or 0),
        )
        for r in rows
        # Date arithmetic differs between SQLite and PostgreSQL: the live test is done here.
        if r.first_assigned_at is None or r.first_assigned_at - r.created_at <= LIVE
    ]


class EstimatesCache:
    """Fitted estimates by agency and window, refit when older than ``refresh``."""

    def __init__(self, *, refresh: timedelta = timedelta(minutes=5)) -> None:
        self._lock = threading.Lock()
        self.refresh = refresh
        self._fits: dict[tuple[int, int], tuple[datetime, ConversionEstimates]] = {}

    def estimates(
        self, conn: sa.Connection, agency_id: int, now: datetime, window_days: int
    ) -> ConversionEstimates:
        """The agency's estimates over the trailing ``window_days``, as of ``now``."""
        key = (agency_id, window_days)
        with self._lock:
            cached = self._fits.get(key)
        if cached is not None and timedelta(0) <= now - cached[0] < self.refresh:
            return cached[1]
        from leadrouter.learning.estimates import fit

        since = now - timedelta(days=window_days)
        fresh = fit(closed_observations(conn, agency_id=agency_id, since=since, until=now))
        with self._lock:
            self._fits[key] = (now, fresh)
        return fresh

    def forget(self, agency_id: int) -> None:
        """Drop the agency's fits: the next read refits."""
        with self._lock:
            for key in [k for k in self._fits if k[0] == agency_id]:
                del self._fits[key]


@dataclass(frozen=True)
class Beliefs(Mapping[int, Belief]):
    """Each producer's belief about one lead's segment, computed when the optimizer asks."""

    estimates: ConversionEstimates
    segment: SegmentKey
    premium: bool

    def __getitem__(self, producer_id: int) -> Belief:
        a, b = self.estimates.posterior(producer_id, self.segment)
        value = self.estimates.premium(producer_id) if self.premium else 1.0
        return Belief(a, b, value if value > 0 else 1.0)

    def __iter__(self) -> Iterator[int]:
        return iter(
            sorted({p for p, _ in self.estimates.cells} | set(self.estimates.producer_rates))
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


def estimates_document(
    *, uow: UnitOfWork, agency_id: int, now: datetime, window_days: int = 90
) -> dict[str, Any]:
    """The estimates as the API and the producer statistics page show them."""
    from leadrouter.learning.estimates import beta_interval, fit

    with uow:
        since = now - timedelta(days=window_days)
        obs = closed_observations(uow.conn, agency_id=agency_id, since=since, until=now)
        names = dict(
            uow.conn.execute(
                sa.select(producers.c.id, producers.c.name).where(
                    producers.c.agency_id == agency_id
                )
            ).all()
        )
    est = fit(obs)
    totals: dict[int, list[int]] = {}
    for (pid, _), (binds, trials) in est.cells.items():
        t = totals.setdefault(pid, [0, 0])
        t[0] += binds
        t[1] += trials
    cells = []
    for (pid, seg), (binds, trials) in sorted(est.cells.items()):
        a, b = est.posterior(pid, seg)
        low, high = beta_interval(a, b)
        cells.append(
            {
                "producer_id": pid,
                **dict(zip(("line", "tier", "source", "state_group"), seg, strict=True)),
                "closed": trials,
                "bound": binds,
                "observed_rate": binds / trials,
                "estimate": a / (a + b),
                "low": low,
                "high": high,
            }
        )
    return {
        "window_days": window_days,
        "as_of": now.isoformat(),
        "agency_rate": est.agency_rate,
        "prior_strength": {
            "producer": est.producer_strength,
            "segment": est.segment_strength,
            "cell": est.cell_strength,
        },
        "producers": [
            {
                "producer_id": pid,
                "name": names.get(pid, ""),
                "closed": totals.get(pid, [0, 0])[1],
                "bound": totals.get(pid, [0, 0])[0],
                "estimate": rate,
            }
            for pid, rate in sorted(est.producer_rates.items())
        ],
        "cells": cells,
    }


def period_counts(
    conn: sa.Connection,
    *,
    agency_id: int,
    today: date,
    period: str,
    loads: Mapping[int, ProducerLoad],
) -> dict[int, int]:
    """Leads given to each producer this day (from the loads) or this week (Monday on)."""
    if period == "day":
        return {pid: load.new_today for pid, load in loads.items() if load.new_today}
    day = producer_day_counts
    rows = conn.execute(
        sa.select(day.c.producer_id, sa.func.sum(day.c.count))
        .where(
            day.c.agency_id == agency_id,
            day.c.day >= today - timedelta(days=today.weekday()),
            day.c.day <= today,
        )
        .group_by(day.c.producer_id)
    ).all()
    return {int(pid): int(n or 0) for pid, n in rows}


def learning_input(
    conn: sa.Connection,
    cache: EstimatesCache,
    *,
    lead: Lead,
    business_line: str | None,
    opt: OptimizerSpec,
    loads: Mapping[int, ProducerLoad],
    today: date,
    now: datetime,
    rng: random.Random,
) -> LearningInput:
    """What the optimizer reads about ``lead``: beliefs per producer, the period's counts."""
    from leadrouter.learning.estimates import segment_of

    est = cache.estimates(conn, lead.agency_id, now, opt.window_days)
    segment = segment_of(business_line, lead.intent_tier, lead.source, lead.state)
    counts = period_counts(
        conn, agency_id=lead.agency_id, today=today, period=opt.period, loads=loads
    )
    return LearningInput(
        beliefs=Beliefs(est, segment, opt.objective == "premium"),
        period_counts=counts,
        period_total=sum(counts.values()),
        rng=rng,
    )
