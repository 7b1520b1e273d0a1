"""Off-policy evaluation against the simulator's ground truth.

Log a month under one policy (its probabilities recorded), estimate from that log what a
candidate policy would have earned, then run the candidate for real on the same month and
compare. The candidate here is a static policy: from the lead and the producers eligible
for it, a probability for each.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from leadrouter.learning.estimates import ConversionEstimates, SegmentKey, segment_of
from leadrouter.learning.ope import Estimate, evaluate
from leadrouter.sim.memory import Choice, Outcome
from leadrouter.sim.scenario import Scenario, SimLead, response_minutes
from leadrouter.sim.truth import bind_probability

StaticPolicy = Callable[[SimLead, tuple[int, ...]], dict[int, float]]


def greedy(est: ConversionEstimates) -> StaticPolicy:
    """The eligible producer with the highest estimated conversion for the lead's segment."""

    def policy(lead: SimLead, eligible: tuple[int, ...]) -> dict[int, float]:
        seg = segment_of(lead.line, lead.tier, lead.source, lead.state)

        def mean(p: int) -> float:
            a, b = est.posterior(p, seg)
            return a / (a + b)

        return {max(eligible, key=lambda p: (mean(p), -p)): 1.0}

    return policy


def _mean(model: ConversionEstimates, producer: int, seg: SegmentKey) -> float:
    a, b = model.posterior(producer, seg)
    return a / (a + b)


def first_choices(out: Outcome) -> list[Choice]:
    """Each lead's first decision (a reassignment's reward belongs to the first too)."""
    seen: set[int] = set()
    firsts = []
    for c in out.choices:
        if c.lead not in seen and c.propensity is not None and c.candidates:
            seen.add(c.lead)
            firsts.append(c)
    return firsts


def replay(
    s: Scenario,
    logged: Outcome,
    policy: StaticPolicy,
    model: ConversionEstimates,
    *,
    seed: int = 0,
) -> list[Estimate]:
    """IPS, SNIPS and DR estimates of ``policy``'s binds per decision on ``logged``'s leads."""
    rows = first_choices(logged)
    reward = np.array([logged.reward.get(c.lead, 0) for c in rows], float)
    p_logged = np.array([c.propensity or 0.0 for c in rows], float)
    p_target = np.empty(len(rows))
    q_logged = np.empty(len(rows))
    q_target = np.empty(len(rows))
    for k, c in enumerate(rows):
        lead = s.leads[c.lead]
        seg = segment_of(lead.line, lead.tier, lead.source, lead.state)
        probs = policy(lead, c.candidates)
        p_target[k] = probs.get(c.producer, 0.0)

        q_logged[k] = _mean(model, c.producer, seg)
        q_target[k] = sum(w * _mean(model, p, seg) for p, w in probs.items())
    return evaluate(reward, p_logged, p_target, q_logged, q_target, seed=seed)


def truly_best(s: Scenario) -> StaticPolicy:
    """The eligible producer with the highest true conversion if called at their own speed
    (a policy no agency can write down; a clearly better candidate to evaluate)."""

    def policy(lead: SimLead, eligible: tuple[int, ...]) -> dict[int, float]:
        def value(p: int) -> float:
            who = s.producers[p]
            reach, close = bind_probability(
                who,
                line=lead.line,
                tier=lead.tier,
                region=lead.region,
                source=lead.source,
                delay_minutes=response_minutes(who, lead),
            )
            return reach * close

        return {max(eligible, key=lambda p: (value(p), -p)): 1.0}

    return policy
