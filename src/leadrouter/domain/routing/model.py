"""What a routing decision takes in and gives back."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.model import Client, Lead

Outcome = Literal["assigned", "queued", "nurture"]


@dataclass(frozen=True, slots=True)
class ProducerLoad:
    """A producer's current work and track record, as the store counts them."""

    open_count: int = 0
    new_today: int = 0
    close_rate: float | None = None
    avg_response_seconds: float | None = None
    # Minutes since the producer's last first contact with a lead (None: unknown): a call
    # that recent is probably still going on, and delays the next one.
    minutes_since_contact: float | None = None


ZERO_LOAD = ProducerLoad()


@dataclass(frozen=True)
class Belief:
    """What the estimates say about one producer converting this lead: Beta(alpha, beta),
    and the value of a conversion (1 for binds, the expected premium for premium)."""

    alpha: float = 1.0
    beta: float = 1.0
    value: float = 1.0


@dataclass(frozen=True)
class LearningInput:
    """What the optimizer reads besides loads: beliefs, the period's counts, and randomness."""

    beliefs: Mapping[int, Belief]
    period_counts: Mapping[int, int]
    period_total: int
    rng: random.Random = field(compare=False, repr=False)


@dataclass(frozen=True)
class RoutingInput:
    """Everything about one lead that a decision depends on, ``now`` included."""

    lead: Lead
    insurance_type: InsuranceType | None
    client: Client | None
    loads: Mapping[int, ProducerLoad]
    rotation: Mapping[str, Mapping[int, int]]
    now: datetime
    agency_tz: str
    # The propensity model's probability that the lead binds (None: the agency has no
    # model), and its explanation for the decision record; strategies may weigh it.
    predicted_conversion: float | None = None
    prediction: Mapping[str, object] | None = None
    learning: LearningInput | None = None  # read only by the optimizer strategy


@dataclass(frozen=True)
class CandidateNote:
    """One row of the explanation: a producer, the step that excluded it and why."""

    producer_id: int
    name: str
    excluded_by: str | None
    reason: str | None
    score: float | None = None
    score_parts: Mapping[str, float] | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of routing one lead, with its whole explanation."""

    outcome: Outcome
    producer_id: int | None
    license_id: int | None
    pool: str | None
    strategy: str | None
    reason: str | None
    steps: tuple[str, ...]
    candidates: Sequence[CandidateNote]  # a tuple, or notes built on first access
    policy_version: int
    tie_break: str | None
    fallback: bool = False  # True when the policy found nobody and the fallback chose
    # The probability with which the strategy made its choice (1.0 when deterministic),
    # logged so that any other policy can be evaluated off-line on this decision.
    propensity: float | None = None
