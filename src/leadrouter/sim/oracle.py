"""The hindsight oracle: with every lead of the month and the true probabilities known,
the assignment that maximizes expected binds, by linear programming (HiGHS).

It keeps what no strategy may break: the license (state and line), daily caps, and the
calls a producer can physically make (one per ``CALL_MINUTES``, so so many an hour). It
is an upper bound, not a rival: it sees the future, it calls each lead as soon as its
producer is at work and at that producer's own speed for the lead, and it never waits
behind another call. Its binds are counted with the same luck as the strategies' (the
lead's own draws), but at those ideal call times: no strategy plays by its rules.

``play_oracle`` plays the same plan by the strategies' rules, through the simulator: each
lead goes, when it is routed, to the plan's producer if the engine finds them eligible then
(at work, under their caps and open leads), else to the eligible producer with the highest
true bind probability given when each is free; the producer calls after the calls ahead of
it. That is a hindsight policy scored exactly as the strategies are, not a bound.
"""

from __future__ import annotations

import time as wall
from datetime import timedelta

import numpy as np

from leadrouter.sim.memory import CALL_MINUTES, Choice, Outcome, run_memory
from leadrouter.sim.offpolicy import best_now
from leadrouter.sim.roster import POLICIES
from leadrouter.sim.scenario import (
    AGENCY_TZ,
    Scenario,
    SimLead,
    licensed,
    next_on_shift,
    response_minutes,
)
from leadrouter.sim.truth import bind_probability


def solve_oracle(s: Scenario) -> Outcome:
    """The best assignment in hindsight; ``Outcome`` as the strategies report it."""
    # Slow to load (seconds): only when an oracle is solved, not wherever the simulator is.
    from scipy.optimize import linprog  # type: ignore[import-untyped]
    from scipy.sparse import coo_matrix  # type: ignore[import-untyped]

    t0 = wall.perf_counter()
    pairs: list[tuple[int, int, float, float, float]] = []  # lead, producer, delay, reach, close
    for lead in s.leads:
        for who in s.producers:
            if not licensed(who, lead):
                continue
            start = next_on_shift(who, lead.arrival)
            delay = (start - lead.arrival).total_seconds() / 60 + response_minutes(who, lead)
            reach, close = bind_probability(who, lead, delay_minutes=delay)
            pairs.append((lead.index, who.index, delay, reach, close))
    rows, cols = [], []
    bounds_ub: list[float] = []
    groups: dict[tuple[str, int, object], int] = {}
    per_hour = 60.0 / CALL_MINUTES
    for k, (i, p, delay, _, _) in enumerate(pairs):
        at = (s.leads[i].arrival + timedelta(minutes=delay)).astimezone(AGENCY_TZ)
        for key, cap in (
            (("day", p, at.date()), float(s.producers[p].max_daily)),
            (("hour", p, at.replace(minute=0, second=0, microsecond=0)), per_hour),
        ):
            if key not in groups:
                groups[key] = len(bounds_ub)
                bounds_ub.append(cap)
            rows.append(groups[key])
            cols.append(k)
    n = len(pairs)
    a_ub = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(bounds_ub), n)).tocsr()
    lead_rows = [i for i, *_ in pairs]
    a_eq = coo_matrix((np.ones(n), (lead_rows, range(n))), shape=(len(s.leads), n)).tocsr()
    value = np.array([reach * close for _, _, _, reach, close in pairs])
    result = linprog(
        -value,
        A_ub=a_ub,
        b_ub=np.array(bounds_ub),
        A_eq=a_eq,
        b_eq=np.ones(len(s.leads)),
        bounds=(0, 1),
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(f"the oracle's LP did not solve: {result.message}")
    best: dict[int, tuple[float, int]] = {}
    for k, x in enumerate(result.x):
        i = pairs[k][0]
        if x > best.get(i, (-1.0, -1))[0]:
            best[i] = (float(x), k)
    out = Outcome("oracle (LP)", len(s.leads))
    for i, (_, k) in sorted(best.items()):
        _, p, delay, reach, close = pairs[k]
        lead = s.leads[i]
        at = lead.arrival + timedelta(minutes=delay)
        out.choices.append(Choice(i, p, at, (), 1.0))
        out.first_call_minutes[i] = delay
        out.final_owner[i] = p
        out.expected_binds += reach * close
        bound = lead.u_contact < reach and lead.u_bind < close
        out.reward[i] = int(bound)
        if bound:
            out.binds += 1
            out.premium += lead.premium
            out.bound_at[i] = at
    out.seconds = wall.perf_counter() - t0
    return out


PLAYED = "oracle, played"


def play_oracle(s: Scenario, oracle: Outcome) -> Outcome:
    """The oracle's plan played by the strategies' rules (see the module's docstring)."""
    plan = {c.lead: c.producer for c in oracle.choices}
    fallback = best_now(s)

    def follow(
        lead: SimLead, eligible: tuple[int, ...], waits: dict[int, float]
    ) -> dict[int, float]:
        planned = plan.get(lead.index)
        return {planned: 1.0} if planned in eligible else fallback(lead, eligible, waits)

    return run_memory(s, PLAYED, POLICIES["round robin"], override=follow)
