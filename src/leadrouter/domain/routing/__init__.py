"""Routing: the license gate first, then policy steps, a strategy and an explanation."""

from leadrouter.domain.routing.engine import eligible_producers, route
from leadrouter.domain.routing.explain import render
from leadrouter.domain.routing.model import (
    Belief,
    CandidateNote,
    Decision,
    LearningInput,
    ProducerLoad,
    RoutingInput,
)
from leadrouter.domain.routing.policy import (
    AvailabilityStep,
    CapsStep,
    ExistingClientStep,
    FallbackSpec,
    LineStep,
    OptimizerSpec,
    PoolSelector,
    RoutingPolicy,
    SegmentStep,
    StrategySpec,
    TerritoryStep,
    TierRule,
)
from leadrouter.domain.routing.record import decision_document, expand_explanation
from leadrouter.domain.routing.roster import RosterSnapshot
from leadrouter.domain.routing.steps import gate_for

__all__ = [
    "AvailabilityStep",
    "Belief",
    "CandidateNote",
    "CapsStep",
    "Decision",
    "ExistingClientStep",
    "FallbackSpec",
    "LearningInput",
    "LineStep",
    "OptimizerSpec",
    "PoolSelector",
    "ProducerLoad",
    "RosterSnapshot",
    "RoutingInput",
    "RoutingPolicy",
    "SegmentStep",
    "StrategySpec",
    "TerritoryStep",
    "TierRule",
    "decision_document",
    "eligible_producers",
    "expand_explanation",
    "gate_for",
    "render",
    "route",
]
