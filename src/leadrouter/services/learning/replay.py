"""Replay a candidate policy against the agency's stored decisions.

For every lead first routed since ``since`` with a logged probability, the candidate policy
decides again with the routing engine, at the instant of the original decision, among the
producers who were eligible then (the explanation lists them), on today's roster and with
loads taken as empty (the counts of that instant are not kept). What it reports: who would
have got what, how concentrated, how many it would have queued, the gate's refusals of its
choices (0: every choice passes through the gate), the average response time of the
producers it picks, and off-policy estimates of its binds (IPS, SNIPS, DR and DR with
weights capped at ``CLIP``) from the logged probabilities, next to the binds that happened.
The reward model of DR: the conversion estimates as of ``since`` for the producer and the
lead's segment, priced for the lead's age at the decision on the speed-to-lead curve, then
recalibrated on the logged outcomes (``learning.reward_model``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from leadrouter.domain.routing import (
    LearningInput,
    ProducerLoad,
    RoutingInput,
    gate_for,
    route,
)
from leadrouter.domain.routing.optimizer import distribution
from leadrouter.learning.estimates import ConversionEstimates, segment_of
from leadrouter.learning.ope import Estimate, evaluate, first_per_lead
from leadrouter.learning.reward_model import Recalibration, at_wait
from leadrouter.policy.load import parse_policy, to_routing_policy
from leadrouter.services.learning.estimates import Beliefs, closed_observations
from leadrouter.services.routing.context import RoutingCaches, agency_state
from leadrouter.sim.report import gini
from leadrouter.store import routing_repo as repo
from leadrouter.store.stats_repo import track_records
from leadrouter.store.tables import decisions, leads
from leadrouter.store.uow import UnitOfWork

CLIP = 5.0  # the clipped DR's cap on importance weights (docs/simulation.md)
Progress = Callable[[int, int], None]  # (decisions replayed, of how many)


@dataclass
class ReplayReport:
    decisions: int
    bound: int
    logged_counts: Counter[int] = field(default_factory=Counter)
    replay_counts: Counter[int] = field(default_factory=Counter)
    changed: int = 0
    queued: int = 0
    gate_refusals: int = 0
    logged_response: float | None = None
    replay_response: float | None = None
    estimates: list[Estimate] = field(default_factory=list)

    @property
    def gini(self) -> tuple[float, float]:
        """Gini of leads per producer: (as logged, under the candidate)."""
        ids = sorted(set(self.logged_counts) | set(self.replay_counts))
        return (
            gini([self.logged_counts[i] for i in ids]),
            gini([self.replay_counts[i] for i in ids]),
        )


def eligible_ids(explanation: dict[str, Any]) -> set[int]:
    """Producers who could have been chosen: the strategy saw them (scored, or refused by
    the strategy itself, e.g. at a fairness ceiling); compact and expanded records alike."""
    ids = {
        int(c["producer_id"])
        for c in explanation.get("candidates", [])
        if c.get("excluded_by") in (None, "strategy")
    }
    for group in explanation.get("excluded", []):
        if group.get("excluded_by") == "strategy":
            ids.update(int(i) for i in group.get("producer_ids", []))
    return ids


def _first_decisions(
    conn: sa.Connection, agency_id: int, since: datetime, until: datetime | None
) -> list[Any]:
    rows = conn.execute(
        sa.select(
            decisions.c.lead_id,
            decisions.c.producer_id,
            decisions.c.created_at,
            decisions.c.explanation,
        )
        .where(
            decisions.c.agency_id == agency_id,
            decisions.c.outcome == "assigned",
            decisions.c.created_at >= since,
            decisions.c.kind.in_(("route", "drain")),
        )
        .where(sa.true() if until is None else decisions.c.created_at < until)
        .order_by(decisions.c.id)
    ).all()
    return first_per_lead(
        rows, lambda r: r.lead_id, lambda r: bool((r.explanation or {}).get("propensity"))
    )


def replay_policy(
    *,
    uow: UnitOfWork,
    caches: RoutingCaches,
    now: datetime,
    agency_id: int,
    text: str,
    since: datetime,
    until: datetime | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> ReplayReport:
    """What the policy in ``text`` would have done with the leads first routed in
    [``since``, ``until``) (read only: hand it a read-only unit of work)."""
    policy = to_routing_policy(parse_policy(text))
    opt = policy.optimizer()
    rng = random.Random(seed)
    with uow:
        conn = uow.conn
        agency = agency_state(conn, caches, agency_id=agency_id, now=now)
        rows = _first_decisions(conn, agency_id, since, until)
        lead_rows = (
            {
                r.id: r
                for r in repo.lead_rows(
                    conn, agency_id=agency_id, lead_ids=[r.lead_id for r in rows]
                )
            }
            if rows
            else {}
        )
        window = timedelta(days=opt.window_days if opt else 90)
        est = _fit(conn, agency_id, since, window)
        speed = {
            pid: rec.avg_response_seconds
            for pid, rec in track_records(conn, agency_id=agency_id, since=since - window).items()
        }
        bound_ids = {
            int(i)
            for i in conn.execute(
                sa.select(leads.c.id).where(
                    leads.c.agency_id == agency_id, leads.c.status == "bound"
                )
            ).scalars()
        }
    roster = agency.roster
    report = ReplayReport(len(rows), 0)
    reward, logged_p, target_p = [], [], []
    predicted: list[dict[int, float]] = []  # per decision: the reward model per producer
    chosen: list[dict[int, float]] = []  # per decision: the candidate's probabilities
    rotation: dict[str, dict[int, int]] = {}
    for done, r in enumerate(rows, start=1):
        lead = repo.lead_from_row(lead_rows[r.lead_id])
        itype = agency.types.get(lead.insurance_type)
        segment = segment_of(
            itype.business_line if itype else None, lead.intent_tier, lead.source, lead.state
        )
        doc = r.explanation
        eligible = eligible_ids(doc)
        learning = None
        if opt is not None:
            learning = LearningInput(Beliefs(est, segment, opt.objective == "premium"), {}, 0, rng)
        inp = RoutingInput(
            lead=lead,
            insurance_type=itype,
            client=None,
            loads={},
            rotation=rotation,
            now=r.created_at,
            agency_tz=agency.timezone,
            learning=learning,
        )
        others = frozenset(p.id for p in roster.producers if p.id not in eligible)
        d = route(roster, inp, policy, exclude=others)
        probs: dict[int, float] = {}
        if d.outcome == "assigned" and d.producer_id is not None:
            if not gate_for(roster, inp, roster.by_id[d.producer_id]).eligible:
                report.gate_refusals += 1
            pool = [roster.by_id[c.producer_id] for c in d.candidates if c.excluded_by is None]
            if d.strategy == "optimizer" and learning is not None:
                spec = policy.strategy if policy.strategy.kind == "optimizer" else None
                probs = distribution(spec or policy.strategy, pool, loads={}, learning=learning)
            else:
                probs = {d.producer_id: 1.0}
            report.replay_counts[d.producer_id] += 1
            if d.pool:
                # as the store's rotation counters: a producer new to the pool starts level
                # with the least served, so round robin goes round
                counts = rotation.setdefault(d.pool, {})
                floor = min(counts.values(), default=0)
                for c in d.candidates:
                    if c.excluded_by is None:
                        counts.setdefault(c.producer_id, floor)
                counts[d.producer_id] += 1
        else:
            report.queued += 1
        report.logged_counts[r.producer_id] += 1
        report.changed += d.producer_id != r.producer_id
        won = int(r.lead_id in bound_ids)
        report.bound += won
        reward.append(won)
        logged_p.append(float(doc["propensity"]))
        target_p.append(probs.get(r.producer_id, 0.0))
        age = (r.created_at - lead.created_at).total_seconds() / 60
        predicted.append(
            {
                pid: at_wait(
                    _mean(est, pid, segment),
                    ProducerLoad(avg_response_seconds=speed.get(pid)),
                    age_minutes=age,
                )
                for pid in {r.producer_id, *probs}
            }
        )
        chosen.append(probs)
        if progress is not None and (done % 50 == 0 or done == len(rows)):
            progress(done, len(rows))
    report.logged_response = _avg(report.logged_counts, speed)
    report.replay_response = _avg(report.replay_counts, speed)
    if rows:
        raw = np.array([q[r.producer_id] for r, q in zip(rows, predicted, strict=True)])
        cal = Recalibration(raw, np.array(reward, float))
        q_logged = np.array([cal(k, q)[0] for k, q in enumerate(raw)])
        q_target = np.array(
            [
                float(np.dot(list(p.values()), cal(k, np.array([q[i] for i in p])))) if p else 0.0
                for k, (p, q) in enumerate(zip(chosen, predicted, strict=True))
            ]
        )
        report.estimates = evaluate(
            np.array(reward),
            np.array(logged_p),
            np.array(target_p),
            q_logged,
            q_target,
            seed=seed,
            clip=CLIP,
            bounds=(0.0, 1.0),  # a decision binds or not: 0 to n binds in all
        )
    return report


def _fit(
    conn: sa.Connection, agency_id: int, since: datetime, window: timedelta
) -> ConversionEstimates:
    from leadrouter.learning.estimates import fit

    return fit(closed_observations(conn, agency_id=agency_id, since=since - window, until=since))


def _mean(est: ConversionEstimates, producer_id: int, segment: Any) -> float:
    a, b = est.posterior(producer_id, segment)
    return a / (a + b)


def _avg(counts: Counter[int], speed: dict[int, float | None]) -> float | None:
    pairs = [(n, speed[p]) for p, n in counts.items() if speed.get(p) is not None]
    total = sum(n for n, _ in pairs)
    return sum(n * s for n, s in pairs if s is not None) / total if total else None
