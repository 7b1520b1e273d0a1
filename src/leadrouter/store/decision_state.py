"""Everything a routing decision of one agency depends on, read in one statement under the
agency's lock: roster, policy and propensity-model versions, the decision log's head, loads
and rotation."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.routing import ProducerLoad
from leadrouter.store.audit import GENESIS
from leadrouter.store.locks import ROUTING_LOCK
from leadrouter.store.prepared import Prepared, per_shape
from leadrouter.store.tables import (
    decisions,
    policies,
    producer_day_counts,
    producers,
    propensity_models,
    roster_versions,
    rotation_counters,
)


@dataclass(frozen=True)
class DecisionState:
    """What a decision of one agency depends on, read in one statement under its lock."""

    roster_version: int
    policy_version: int
    model_version: int | None  # the agency's newest propensity model (None: none yet)
    chain_head: tuple[int, str]
    open_counts: dict[int, int]
    day_counts: dict[tuple[int, date], int]  # (producer, day) -> leads given that day
    rotation: Mapping[str, Mapping[int, int]]

    def loads(self, today: date) -> dict[int, ProducerLoad]:
        """Open leads and new leads on ``today`` of every producer of the agency."""
        return {
            pid: ProducerLoad(open_count=n, new_today=self.day_counts.get((pid, today), 0))
            for pid, n in self.open_counts.items()
        }


def decision_state(
    conn: sa.Connection, *, agency_id: int, around: date, lock: bool = False
) -> DecisionState:
    """Roster, policy and model versions, the chain's head, loads and rotation counts.

    One statement of a handful of rows: per-producer figures come aggregated into one text
    each (``id:count,...``), which is far cheaper to fetch than a row per producer. Day
    counts come for the day before, of, and after ``around`` (a UTC date), so the caller
    picks the agency's local today without a second round trip.

    ``lock``: the same statement first takes the agency's routing lock, and reads after it
    is granted (PostgreSQL: the ``routing_locked_state`` function; on SQLite the writer
    holds the database already).
    """
    days = {"d0": around - timedelta(days=1), "d1": around, "d2": around + timedelta(days=1)}
    roster_v, policy_v, model_v = 0, 0, None
    head: tuple[int, str] = (0, GENESIS)
    open_counts: dict[int, int] = {}
    day_counts: dict[tuple[int, date], int] = {}
    pools: dict[str, str] = {}
    params: dict[str, Any] = {"agency_id": agency_id, **days}
    query = _prepared_state_query(conn.dialect.name)
    if lock and conn.dialect.name == "postgresql":
        query, params = _LOCKED_STATE, {**params, "namespace": ROUTING_LOCK}
    for kind, a, b, s, t in query.execute(conn, params):
        if kind == "v":
            roster_v, policy_v = int(a or 0), int(b or 0)
            model_v = None if s is None else int(s)
        elif kind == "h":
            head = (int(a), str(s))
        elif kind == "p" and t:
            for item in t.split(","):
                pid, n = item.split(":")
                open_counts[int(pid)] = int(n)
        elif kind == "d" and t:
            on = {d.isoformat(): d for d in days.values()}  # the three days asked for
            for item in t.split(","):
                pid, day, n = item.split(":")
                day_counts[(int(pid), on.get(day) or date.fromisoformat(day))] = int(n)
        elif kind == "r" and t:
            pools[str(s)] = t
    return DecisionState(
        roster_v, policy_v, model_v, head, open_counts, day_counts, RotationCounts(pools)
    )


class RotationCounts(Mapping[str, Mapping[int, int]]):
    """Each pool's counters (producer -> leads given), a pool's read from its text only
    when asked for: a decision looks at one pool of the agency's many."""

    __slots__ = ("_parsed", "_texts")

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts  # pool -> "producer:count,..."
        self._parsed: dict[str, dict[int, int]] = {}

    def __getitem__(self, pool: str) -> Mapping[int, int]:
        counts = self._parsed.get(pool)
        if counts is None:
            text = self._texts[pool]
            counts = {int(p): int(n) for p, n in (i.split(":") for i in text.split(","))}
            self._parsed[pool] = counts
        return counts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


_LOCKED_STATE = Prepared(
    sa.text(
        "SELECT kind, a, b, s, t FROM routing_locked_state(:namespace, :agency_id, :d0, :d1, :d2)"
    )
    .bindparams(
        sa.bindparam("namespace", type_=sa.Integer),
        sa.bindparam("agency_id", type_=sa.Integer),
        *(sa.bindparam(d, type_=sa.Date) for d in ("d0", "d1", "d2")),
    )
    .columns(kind=sa.String, a=sa.Integer, b=sa.Integer, s=sa.String, t=sa.String)
)


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
        txt(
            sa.select(sa.func.max(propensity_models.c.version))
            .where(propensity_models.c.agency_id == agency)
            .scalar_subquery()
        ).label("s"),
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


_prepared_state_query = per_shape(_decision_state_query)
