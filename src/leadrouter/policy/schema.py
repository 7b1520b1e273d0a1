"""The routing policy document (YAML or JSON), validated by Pydantic.

An agency chains the steps as it likes; the license gate always comes first and is not a
step, so no document can skip it. Expressions are parsed at load, so a bad one is refused
with the column of the fault. ``version`` is set by the store on each save.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from leadrouter.domain.compliance import US_STATES
from leadrouter.domain.expr import ExprError, parse
from leadrouter.policy.timing import TimingPolicy

OnEmpty = Literal["skip", "fallback", "queue"]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_expression(source: str) -> str:
    """Refuse an expression that does not parse, naming the column."""
    try:
        parse(source)
    except ExprError as e:
        raise PydanticCustomError(
            "expression",
            "{message} at column {column} in: {source}",
            {"message": e.message, "column": e.position + 1, "source": source},
        ) from None
    return source


class Pool(_Part):
    """Producers by id or team (either matches), optionally filtered by an expression."""

    producers: list[int] = Field(default_factory=list, max_length=5000)
    teams: list[Name] = Field(default_factory=list, max_length=500)
    where: str | None = None

    @field_validator("where")
    @classmethod
    def _parses(cls, where: str | None) -> str | None:
        return where if where is None else check_expression(where)

    @model_validator(mode="after")
    def _names_someone(self) -> Pool:
        if not (self.producers or self.teams or self.where):
            raise ValueError("a pool needs producers, teams or where")
        return self


MAX_WEIGHT = 1_000_000
# A weight is a finite number from 0 to a million: only the ratios between weights matter, and
# a weight near the float limit (1e308) makes the sums overflow and score everyone 0.
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]


class ScoreWeights(_Part):
    """Weights of the four score parts; they need not sum to 100."""

    capacity: Weight = 30
    specialization: Weight = 35
    close_rate: Weight = 25
    response_speed: Weight = 10

    @model_validator(mode="after")
    def _some_weight(self) -> ScoreWeights:
        if self.capacity + self.specialization + self.close_rate + self.response_speed <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class RoundRobin(_Part):
    type: Literal["round_robin"]


class WeightedRoundRobin(_Part):
    type: Literal["weighted_round_robin"]
    weights: dict[int, Weight] = Field(
        default_factory=dict, description="producer id -> weight; default: the producer's weight"
    )


class LeastLoaded(_Part):
    type: Literal["least_loaded"]


class WeightedScore(_Part):
    type: Literal["weighted_score"]
    weights: ScoreWeights = Field(default_factory=ScoreWeights)
    capacity_reference: int = Field(default=20, ge=1, le=100_000)


class Fairness(_Part):
    """Each producer's floor and ceiling, as shares of the period's leads."""

    period: Literal["day", "week"] = "day"
    min_share: float = Field(default=0.0, ge=0, le=1)
    max_share: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> Fairness:
        if self.min_share > self.max_share:
            raise ValueError("min_share must not exceed max_share")
        return self


class Optimizer(_Part):
    """Thompson sampling on the conversion estimates, with a capacity price and fairness."""

    type: Literal["optimizer"]
    objective: Literal["binds", "premium"] = "binds"
    exploration: float = Field(default=0.1, ge=0, le=1)
    capacity_price: float = Field(default=0.5, ge=0, le=1)
    fairness: Fairness = Field(default_factory=Fairness)
    window_days: int = Field(default=90, ge=1, le=3650)
    # Price the wait before first contact on the published speed-to-lead curve (off: each
    # open lead costs ``capacity_price`` in proportion instead).
    speed_to_lead: bool = True
    contact_rate: float = Field(default=0.7, gt=0, lt=1)
    handle_minutes: float = Field(default=10.0, ge=0, le=240)


def _strategy_shorthand(value: Any) -> Any:
    return {"type": value} if isinstance(value, str) else value


Strategy = Annotated[
    Annotated[
        RoundRobin | WeightedRoundRobin | LeastLoaded | WeightedScore | Optimizer,
        Field(discriminator="type"),
    ],
    BeforeValidator(_strategy_shorthand),  # "round_robin" is short for {"type": "round_robin"}
]


class _Step(_Part):
    name: Name | None = None


class _Narrowing(_Step):
    on_empty: OnEmpty = "skip"
    final: bool = False


class ExistingClient(_Narrowing):
    type: Literal["existing_client"]
    use: list[Literal["owner", "csr"]] = Field(default=["owner", "csr"], min_length=1)
    final: bool = True


class TerritoryMatch(_Narrowing):
    type: Literal["territory"]
    match: list[Literal["zip", "county", "state"]] = Field(
        default=["zip", "county", "state"], min_length=1
    )


class LineMatch(_Narrowing):
    type: Literal["line"]
    include_generalists: bool = False


class Segment(_Narrowing):
    type: Literal["segment"]
    when: str
    to: Pool
    strategy: Strategy | None = None

    @field_validator("when")
    @classmethod
    def _parses(cls, when: str) -> str:
        return check_expression(when)


class Availability(_Step):
    type: Literal["availability"]
    working_hours: bool = True
    out_of_office: bool = True


class Caps(_Step):
    type: Literal["caps"]
    default_max_open: int | None = Field(default=None, ge=0)
    default_max_daily: int | None = Field(default=None, ge=0)


Step = Annotated[
    ExistingClient | TerritoryMatch | LineMatch | Segment | Availability | Caps,
    Field(discriminator="type"),
]
STEP_TYPES = ("existing_client", "territory", "line", "segment", "availability", "caps")
STRATEGY_TYPES = (
    "round_robin",
    "weighted_round_robin",
    "least_loaded",
    "weighted_score",
    "optimizer",
)


class TierRule(_Part):
    """What an intent tier does: route (maybe to a pool, by a strategy) or go to nurture."""

    action: Literal["route", "nurture"] = "route"
    pool: Pool | None = None
    strategy: Strategy | None = None
    on_empty: OnEmpty = "skip"


class Fallback(_Part):
    any_eligible: bool = True
    strategy: Strategy | None = None


class Coverage(_Part):
    """What the agency means to sell, for lint; left out, lint infers it from the roster."""

    states: list[str] | None = None
    insurance_types: list[Name] | None = None

    @field_validator("states")
    @classmethod
    def _known_states(cls, states: list[str] | None) -> list[str] | None:
        if states is None:
            return None
        bad = [s for s in states if s.upper() not in US_STATES]
        if bad:
            raise ValueError(f"unknown state(s): {', '.join(bad)}")
        return [s.upper() for s in states]


class Routing(_Part):
    steps: list[Step] = Field(default_factory=list, max_length=50)
    strategy: Strategy = Field(default_factory=lambda: WeightedScore(type="weighted_score"))
    tiers: dict[Literal["high", "medium", "low"], TierRule] = Field(default_factory=dict)
    fallback: Fallback = Field(default_factory=Fallback)
    coverage: Coverage = Field(default_factory=Coverage)

    @model_validator(mode="after")
    def _unique_names(self) -> Routing:
        named = [s.name for s in self.steps if s.name]
        dupes = sorted({n for n in named if named.count(n) > 1})
        if dupes:
            raise ValueError(f"step names must be unique: {', '.join(dupes)}")
        for kind in ("availability", "caps"):
            if sum(s.type == kind for s in self.steps) > 1:
                raise ValueError(f"at most one {kind} step: it is a hard filter, one set of rules")
        return self


class Calls(_Part):
    """How a live call rings producers (docs/calls.md)."""

    ring: Literal["sequential", "simultaneous"] = Field(
        default="sequential",
        description="sequential: one producer at a time; simultaneous: up to ring_at_once "
        "eligible producers at once, the first to answer takes the call.",
    )
    ring_at_once: int = Field(default=3, ge=1, le=10)
    dial_timeout_seconds: int = Field(
        default=20, ge=5, le=120, description="How long a producer's phone rings."
    )
    default_insurance_type: Name = Field(
        default="personal_auto",
        description="A call's insurance type when neither the transfer, the caller's leads "
        "nor the agency's call setting names one.",
    )


class PolicyDocument(_Part):
    """A whole policy: routing, timing and calls, with the version the store gave it."""

    version: int = Field(default=0, ge=0)
    name: str = Field(default="default", min_length=1, max_length=200)
    routing: Routing = Field(default_factory=Routing)
    timing: TimingPolicy = Field(default_factory=TimingPolicy)
    calls: Calls = Field(default_factory=Calls)
