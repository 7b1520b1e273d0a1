"""The rebalancing monitor's arithmetic: who drifts from the pool, and a weight to try.

For each intent tier, a producer's contact, quote and close rates over the week are compared
with the pool's (all producers' leads of that tier). A producer drifts on a rate when it is
at least ``threshold`` (absolute, e.g. 0.10 = ten points) away from the pool's and the
producer had at least ``min_leads`` leads of the tier (fewer is noise, not drift).

The proposal scales the producer's routing weight for that tier by producer rate / pool rate
(bounded to 0.5 to 1.5 times per step, so one bad week cannot zero anybody), using the close rate
when it drifted, else the quote rate, else the contact rate. It is a policy fragment for the
tier's strategy (weighted round robin) that a manager replays before applying.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

METRICS = ("close_rate", "quote_rate", "contact_rate")  # the proposal's preference order
MIN_STEP, MAX_STEP = 0.5, 1.5


@dataclass(frozen=True)
class Counts:
    """What became of one group's leads."""

    leads: int = 0
    contacted: int = 0
    quoted: int = 0
    bound: int = 0
    lost: int = 0

    def rate(self, metric: str) -> float | None:
        """contact_rate, quote_rate (of leads) or close_rate (of bound + lost)."""
        if metric == "contact_rate":
            return self.contacted / self.leads if self.leads else None
        if metric == "quote_rate":
            return self.quoted / self.leads if self.leads else None
        closed = self.bound + self.lost
        return self.bound / closed if closed else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.leads + other.leads,
            self.contacted + other.contacted,
            self.quoted + other.quoted,
            self.bound + other.bound,
            self.lost + other.lost,
        )


@dataclass(frozen=True)
class Drift:
    """One producer off the pool in one tier on one rate."""

    producer_id: int
    tier: str
    metric: str
    producer_rate: float
    pool_rate: float
    leads: int

    @property
    def gap(self) -> float:
        return self.producer_rate - self.pool_rate


@dataclass(frozen=True)
class Proposal:
    """A new weight for a producer in a tier, and why."""

    producer_id: int
    tier: str
    current_weight: float
    proposed_weight: float
    because: Drift


def pools(cells: Mapping[tuple[int, str], Counts]) -> dict[str, Counts]:
    """Each tier's pool: the sum of its producers' counts."""
    out: dict[str, Counts] = {}
    for (_, tier), counts in cells.items():
        out[tier] = out.get(tier, Counts()) + counts
    return out


def drifts(
    cells: Mapping[tuple[int, str], Counts], *, threshold: float, min_leads: int
) -> list[Drift]:
    """Every (producer, tier, rate) at least ``threshold`` from its pool, biggest gap first."""
    by_tier = pools(cells)
    found = []
    for (producer_id, tier), counts in cells.items():
        if counts.leads < min_leads:
            continue
        for metric in METRICS:
            mine, pool = counts.rate(metric), by_tier[tier].rate(metric)
            if mine is None or pool is None:
                continue
            if abs(mine - pool) >= threshold:
                found.append(Drift(producer_id, tier, metric, mine, pool, counts.leads))
    return sorted(found, key=lambda d: (-abs(d.gap), d.producer_id, d.tier, d.metric))


def proposals(found: Sequence[Drift], weights: Mapping[int, float]) -> list[Proposal]:
    """One proposal per drifting producer and tier, on its most telling rate."""
    chosen: dict[tuple[int, str], Drift] = {}
    for d in found:
        key = (d.producer_id, d.tier)
        best = chosen.get(key)
        if best is None or METRICS.index(d.metric) < METRICS.index(best.metric):
            chosen[key] = d
    out = []
    for (producer_id, tier), d in sorted(chosen.items()):
        current = float(weights.get(producer_id, 1.0))
        step = d.producer_rate / d.pool_rate if d.pool_rate > 0 else MAX_STEP
        step = min(MAX_STEP, max(MIN_STEP, step))
        out.append(Proposal(producer_id, tier, current, round(current * step, 2), d))
    return out


def policy_fragment(found: Sequence[Proposal], weights: Mapping[int, float]) -> dict[str, Any]:
    """The proposals as the ``routing.tiers`` part of a policy (weighted round robin)."""
    tiers: dict[str, Any] = {}
    for tier in sorted({p.tier for p in found}):
        tier_weights = {pid: float(w) for pid, w in sorted(weights.items())}
        for p in found:
            if p.tier == tier:
                tier_weights[p.producer_id] = p.proposed_weight
        tiers[tier] = {"strategy": {"type": "weighted_round_robin", "weights": tier_weights}}
    return {"routing": {"tiers": tiers}}
