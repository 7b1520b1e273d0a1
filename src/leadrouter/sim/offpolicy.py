"""Off-policy evaluation against the simulator's ground truth.

Log a month under one policy (its probabilities recorded), estimate from that log what a
candidate policy would have earned, then run the candidate for real on the same month (the
same leads, the same luck) and compare. The candidate here is a static policy: from the
lead, the producers eligible for it and the minutes until each is free, a probability for
each.

What an estimate from the log can and cannot see: each logged decision is judged as if
only that one decision changed. A candidate that piles leads onto the best producers
regardless of their queue makes them busy, and its leads wait; the log, written under
another policy, never shows those queues (``truly_best``: judged on the log about 15 %
better than it does when run). A candidate that looks at who is free (``best_now``)
changes the queues far less, and that is the kind of policy the estimate is honest about.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from leadrouter.domain.routing.model import ZERO_LOAD
from leadrouter.learning.estimates import ConversionEstimates, SegmentKey, segment_of
from leadrouter.learning.ope import Estimate, evaluate, first_per_lead
from leadrouter.learning.reward_model import Recalibration, at_wait
from leadrouter.sim.memory import Choice, Outcome
from leadrouter.sim.scenario import Scenario, SimLead, response_minutes
from leadrouter.sim.truth import bind_probability

# (lead, eligible producers, minutes after the lead's arrival at which each is free) -> probs
StaticPolicy = Callable[[SimLead, tuple[int, ...], dict[int, float]], dict[int, float]]
CLIP = 5.0  # the clipped DR's cap on importance weights


def _mean(model: ConversionEstimates, producer: int, seg: SegmentKey) -> float:
    a, b = model.posterior(producer, seg)
    return a / (a + b)


def greedy(est: ConversionEstimates) -> StaticPolicy:
    """The eligible producer with the highest estimated conversion for the lead's segment."""

    def policy(
        lead: SimLead, eligible: tuple[int, ...], waits: dict[int, float]
    ) -> dict[int, float]:
        seg = segment_of(lead.line, lead.tier, lead.source, lead.state)
        return {max(eligible, key=lambda p: (_mean(est, p, seg), -p)): 1.0}

    return policy


def first_choices(out: Outcome) -> list[Choice]:
    """Each lead's first decision (a reassignment's reward belongs to the first too)."""
    return first_per_lead(
        out.choices, lambda c: c.lead, lambda c: c.propensity is not None and bool(c.candidates)
    )


def replay(
    s: Scenario,
    logged: Outcome,
    policy: StaticPolicy,
    model: ConversionEstimates,
    *,
    seed: int = 0,
    clip: float | None = CLIP,
    rounds: int = 1000,
) -> list[Estimate]:
    """IPS, SNIPS, DR and clipped DR estimates of ``policy``'s binds per decision on
    ``logged``'s leads. The reward model: ``model``'s rate for the producer and segment at
    the wait the logged loads imply (``learning.reward_model``), recalibrated on the log."""
    rows = first_choices(logged)
    n = len(rows)
    reward = np.array([logged.reward.get(c.lead, 0) for c in rows], float)
    p_logged = np.array([c.propensity or 0.0 for c in rows], float)
    targets = [policy(s.leads[c.lead], c.candidates, c.waits) for c in rows]
    p_target = np.array(
        [probs.get(c.producer, 0.0) for c, probs in zip(rows, targets, strict=True)]
    )
    raw = [_predictions(s, c, model) for c in rows]
    q_logged_raw = np.array([q[c.producer] for c, q in zip(rows, raw, strict=True)])
    cal = Recalibration(q_logged_raw, reward)
    q_logged = np.empty(n)
    q_target = np.empty(n)
    for k, (c, probs, q) in enumerate(zip(rows, targets, raw, strict=True)):
        q_logged[k] = cal(k, q[c.producer])[0]
        names = sorted(probs)
        fitted = cal(k, np.array([q[p] for p in names]))
        q_target[k] = float(np.dot([probs[p] for p in names], fitted))
    return evaluate(
        reward, p_logged, p_target, q_logged, q_target, seed=seed, clip=clip, rounds=rounds
    )


def _predictions(s: Scenario, c: Choice, model: ConversionEstimates) -> dict[int, float]:
    lead = s.leads[c.lead]
    seg = segment_of(lead.line, lead.tier, lead.source, lead.state)
    age = (c.at - lead.arrival).total_seconds() / 60
    return {
        p: at_wait(_mean(model, p, seg), c.loads.get(p, ZERO_LOAD), age_minutes=age)
        for p in c.candidates
    }


def true_value(s: Scenario, lead: SimLead, producer: int, minutes_to_call: float) -> float:
    """P(bind) of ``lead`` first called by ``producer`` ``minutes_to_call`` after arrival."""
    reach, close = bind_probability(s.producers[producer], lead, delay_minutes=minutes_to_call)
    return reach * close


def truly_best(s: Scenario) -> StaticPolicy:
    """The eligible producer with the highest true conversion if called at their own speed,
    whoever is busy (a policy no agency can write down; it makes the best producers' queues)."""

    def policy(
        lead: SimLead, eligible: tuple[int, ...], waits: dict[int, float]
    ) -> dict[int, float]:
        def value(p: int) -> float:
            return true_value(s, lead, p, response_minutes(s.producers[p], lead))

        return {max(eligible, key=lambda p: (value(p), -p)): 1.0}

    return policy


def best_now(s: Scenario) -> StaticPolicy:
    """The eligible producer with the highest true conversion given when each is free: the
    wait for them, then their own speed (a clearly better candidate that minds the queues)."""

    def policy(
        lead: SimLead, eligible: tuple[int, ...], waits: dict[int, float]
    ) -> dict[int, float]:
        def value(p: int) -> float:
            free = waits.get(p, 0.0)  # minutes after the lead arrived
            return true_value(s, lead, p, free + response_minutes(s.producers[p], lead))

        return {max(eligible, key=lambda p: (value(p), -p)): 1.0}

    return policy
