"""The routing policy as the engine sees it: plain dataclasses with parsed expressions.

``leadrouter.policy.load.to_routing_policy`` builds these from the validated document.
Narrowing steps (existing client, territory, line, segment) choose among producers who
already passed the license gate; when one would leave nobody, ``on_empty`` says what happens:
``skip`` ignores the step, ``fallback`` ends the policy (fallback rules apply), ``queue``
queues the lead at once. Availability and caps are hard filters: never skipped, and applied
before the strategy even when the document does not list them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from leadrouter.domain.expr import Expr

OnEmpty = Literal["skip", "fallback", "queue"]
StrategyKind = Literal[
    "round_robin", "weighted_round_robin", "least_loaded", "weighted_score", "optimizer"
]
Tier = Literal["high", "medium", "low"]

DEFAULT_SCORE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"capacity": 30.0, "specialization": 35.0, "close_rate": 25.0, "response_speed": 10.0}
)


@dataclass(frozen=True)
class PoolSelector:
    """Producers listed by id or team (either matches), then filtered by ``where``."""

    producers: frozenset[int] = frozenset()
    teams: frozenset[str] = frozenset()
    where: Expr | None = None

    def describe(self) -> str:
        """A short label, e.g. "team commercial" or "producers #4, #9"."""
        parts = []
        if self.teams:
            parts.append("team " + ", ".join(sorted(self.teams)))
        if self.producers:
            parts.append("producers " + ", ".join(f"#{p}" for p in sorted(self.producers)))
        if self.where is not None:
            parts.append(f"where {self.where.source}")
        return "; ".join(parts) or "everyone"


@dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer's knobs: what it maximizes, how much it explores, fairness per period."""

    objective: Literal["binds", "premium"] = "binds"
    exploration: float = 0.1  # share of decisions chosen uniformly among the candidates
    capacity_price: float = 0.5  # the shadow price of a full producer, as a share of value
    period: Literal["day", "week"] = "day"
    min_share: float = 0.0  # each producer's floor of the period's leads
    max_share: float = 1.0  # and ceiling
    window_days: int = 90  # the trailing window the estimates learn from
    # Speed to lead: the value of a call falls with the time to first contact. The odds of
    # reaching the consumer relative to a call within the first anchor, interpolated
    # log-linearly and flat after the last (published lead-response studies: x0.2 at 10
    # minutes, x0.01 at 30); an empty curve turns the model off.
    contact_curve: tuple[tuple[float, float], ...] = ((5.0, 1.0), (10.0, 0.2), (30.0, 0.01))
    contact_rate: float = 0.7  # P(reaching the consumer) with a call within the first anchor
    handle_minutes: float = 10.0  # how long each waiting call keeps the producer busy
    response_minutes: float = 5.0  # assumed response time of a producer with no record


@dataclass(frozen=True)
class StrategySpec:
    kind: StrategyKind = "weighted_score"
    score_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORE_WEIGHTS))
    producer_weights: Mapping[int, float] = field(default_factory=dict)
    capacity_reference: int = 20  # open leads that count as "full" for an uncapped producer
    optimizer: OptimizerSpec | None = None  # set when kind is "optimizer"


@dataclass(frozen=True)
class ExistingClientStep:
    name: str = "existing_client"
    use: tuple[Literal["owner", "csr"], ...] = ("owner", "csr")
    on_empty: OnEmpty = "skip"
    final: bool = True


@dataclass(frozen=True)
class TerritoryStep:
    name: str = "territory"
    match: frozenset[Literal["zip", "county", "state"]] = frozenset({"zip", "county", "state"})
    on_empty: OnEmpty = "skip"
    final: bool = False


@dataclass(frozen=True)
class LineStep:
    name: str = "line"
    include_generalists: bool = False
    on_empty: OnEmpty = "skip"
    final: bool = False


@dataclass(frozen=True)
class SegmentStep:
    when: Expr
    to: PoolSelector
    name: str = "segment"
    strategy: StrategySpec | None = None
    on_empty: OnEmpty = "skip"
    final: bool = False


@dataclass(frozen=True)
class AvailabilityStep:
    name: str = "availability"
    working_hours: bool = True
    out_of_office: bool = True


@dataclass(frozen=True)
class CapsStep:
    name: str = "caps"
    default_max_open: int | None = None
    default_max_daily: int | None = None


NarrowingStep = ExistingClientStep | TerritoryStep | LineStep | SegmentStep
Step = NarrowingStep | AvailabilityStep | CapsStep


@dataclass(frozen=True)
class TierRule:
    action: Literal["route", "nurture"] = "route"
    pool: PoolSelector | None = None
    strategy: StrategySpec | None = None
    on_empty: OnEmpty = "skip"


@dataclass(frozen=True)
class FallbackSpec:
    any_eligible: bool = True
    strategy: StrategySpec | None = None  # None: the policy's strategy
    # A lead already waiting in the queue is not given to the fallback until the producers
    # now on shift have been on it this long: the preferred producers (its territory, its
    # line) whose shifts start a little later get it first. 0: no hold.
    hold_after_shift_start_minutes: int = 0


@dataclass(frozen=True)
class RoutingPolicy:
    version: int = 0
    name: str = "default"
    steps: tuple[Step, ...] = ()
    strategy: StrategySpec = StrategySpec()
    tiers: Mapping[str, TierRule] = field(default_factory=dict)
    fallback: FallbackSpec = FallbackSpec()
    coverage_states: frozenset[str] | None = None  # what lint checks; None = inferred
    coverage_types: tuple[str, ...] | None = None

    def optimizer(self) -> OptimizerSpec | None:
        """The optimizer settings of the first strategy that uses it, if any does."""
        specs = [self.strategy, self.fallback.strategy]
        specs += [t.strategy for t in self.tiers.values()]
        specs += [s.strategy for s in self.steps if isinstance(s, SegmentStep)]
        for spec in specs:
            if spec is not None and spec.kind == "optimizer":
                return spec.optimizer or OptimizerSpec()
        return None

    @property
    def availability(self) -> AvailabilityStep:
        """The availability rules in force: the listed step, else the defaults."""
        for step in self.steps:
            if isinstance(step, AvailabilityStep):
                return step
        return AvailabilityStep()

    @property
    def caps(self) -> CapsStep:
        """The caps rules in force: the listed step, else the defaults."""
        for step in self.steps:
            if isinstance(step, CapsStep):
                return step
        return CapsStep()
