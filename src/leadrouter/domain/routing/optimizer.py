"""The optimizer strategy: Thompson sampling on the conversion estimates, priced for capacity.

For each candidate (who already passed the gate, availability and caps):

* value = P(convert) x (1, or the expected premium); P(convert) ~ Beta(a, b) from the
  estimates. The draw is taken from the normal with the posterior's mean and variance, so
  the probability of each choice is a one-dimensional integral computed to ~1e-6 (logged
  for off-policy evaluation) instead of a Monte Carlo guess;
* speed to lead: the estimates hold each producer's usual speed, so only the wait beyond
  it is priced: value x P(contact | expected delay) / P(contact | usual response), on the
  spec's contact curve (odds relative to a call within 5 minutes, log-linear between
  anchors). Expected delay = the rest of a call in progress (``handle_minutes`` after the
  last contact) + (calls waiting + 1) x usual response + calls waiting x ``handle_minutes``;
  a strong producer with calls waiting gives way to a slightly weaker free one. With no
  curve, each open lead costs in proportion: 1 - c x open share (``capacity_reference``
  when uncapped), c = ``capacity_price``;
* daily budget: value x (1 - c x (e^u - 1)/(e - 1)), u = today's leads / max_daily
  (Balance's convex price), so a filling producer gives way before it is full;
* fairness per period: producers at their ceiling (``max_share``) are left out unless
  that leaves nobody; producers below their floor (``min_share``) go first;
* bounded exploration: with probability ``exploration`` the choice is uniform.

P(choice) = exploration / n + (1 - exploration) x P(its draw is the highest).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leadrouter.domain.model import Producer
from leadrouter.domain.routing.model import ZERO_LOAD, Belief, LearningInput, ProducerLoad
from leadrouter.domain.routing.policy import OptimizerSpec, StrategySpec

UNIFORM = Belief()
_GRID = 64  # Simpson intervals over +-8 standard deviations of the chosen draw
_E1 = math.e - 1.0
TOP = 3


@dataclass(frozen=True)
class Scored:
    """One candidate's distribution of adjusted value: normal(mean, sd)."""

    producer_id: int
    posterior_mean: float
    mean: float
    sd: float
    price: float


@dataclass(frozen=True)
class OptimizerChoice:
    winner: Producer | None
    scored: dict[int, Scored]
    draws: dict[int, float]
    probability: dict[int, float]  # of the winner
    refused: dict[int, str]
    summary: str


def choose(
    spec: StrategySpec,
    pool: Sequence[Producer],
    *,
    loads: Mapping[int, ProducerLoad],
    learning: LearningInput | None,
    lead_id: int,
) -> OptimizerChoice:
    """Pick one producer from a non-empty pool; the probability of the pick is exact."""
    opt = spec.optimizer or OptimizerSpec()
    if learning is None:  # no estimates given: flat beliefs, randomness tied to the lead
        learning = LearningInput({}, {}, 0, random.Random(lead_id))
    refused, candidates, note = _fair(opt, pool, learning)
    scored = {
        p.id: _score(p, spec, opt, loads, learning.beliefs.get(p.id, UNIFORM)) for p in candidates
    }
    rng = learning.rng
    n = len(candidates)
    draws = {pid: s.mean + s.sd * rng.gauss(0.0, 1.0) for pid, s in scored.items()}
    if rng.random() < opt.exploration:
        winner = candidates[rng.randrange(n)]
        how = "explored"
    else:
        winner = next(p for p in candidates if p.id == max(draws, key=lambda k: (draws[k], -k)))
        how = "drawn"
    ranked = sorted(scored.values(), key=lambda s: (-s.mean, s.producer_id))
    mine = scored[winner.id]
    p_best = win_probability(mine, [o for o in scored.values() if o is not mine])
    probability = {winner.id: opt.exploration / n + (1 - opt.exploration) * p_best}
    top = ", ".join(f"#{s.producer_id} {s.mean:.4g}" for s in ranked[:TOP])
    unit = "premium" if opt.objective == "premium" else "binds"
    summary = (
        f"optimizer: {winner.name} (#{winner.id}) {how} with probability "
        f"{probability[winner.id]:.4f}; expected {unit}: {top}{note}"
    )
    return OptimizerChoice(winner, scored, draws, probability, refused, summary)


def _fair(
    opt: OptimizerSpec, pool: Sequence[Producer], learning: LearningInput
) -> tuple[dict[int, str], list[Producer], str]:
    """Ceilings out (unless that leaves nobody), then floors first."""
    total, counts = learning.period_total, learning.period_counts
    refused: dict[int, str] = {}
    candidates = list(pool)
    if opt.max_share < 1.0 and total + 1 >= 2.0 / opt.max_share:
        ceiling = opt.max_share * (total + 1)
        over = {p.id for p in pool if counts.get(p.id, 0) + 1 > ceiling}
        if len(over) < len(pool):
            for pid in over:
                refused[pid] = (
                    f"at its ceiling: {counts.get(pid, 0)} of {total} leads this "
                    f"{opt.period} (max {opt.max_share:.0%})"
                )
            candidates = [p for p in pool if p.id not in over]
    note = ""
    if opt.min_share > 0 and total * opt.min_share >= 1.0:
        behind = [p for p in candidates if counts.get(p.id, 0) < opt.min_share * total]
        if behind and len(behind) < len(candidates):
            note = f"; {len(behind)} below the {opt.min_share:.0%} floor go first"
            for p in candidates:
                if p not in behind:
                    refused[p.id] = "others are below their fairness floor this " + opt.period
            candidates = behind
    return refused, candidates, note


def _score(
    p: Producer,
    spec: StrategySpec,
    opt: OptimizerSpec,
    loads: Mapping[int, ProducerLoad],
    b: Belief,
) -> Scored:
    total = b.alpha + b.beta
    mean = b.alpha / total
    sd = math.sqrt(b.alpha * b.beta / (total * total * (total + 1.0)))
    load = loads.get(p.id, ZERO_LOAD)
    # The day's leads against the daily cap are a budget: Balance's convex price paces it.
    spent = min(1.0, load.new_today / p.max_daily) if p.max_daily else 0.0
    budget = 1.0 - opt.capacity_price * (math.exp(spent) - 1.0) / _E1
    if opt.contact_curve:
        # Open leads are calls waiting ahead of this one: they delay its first contact,
        # which the speed-to-lead curve prices (the estimates already hold the producer's
        # usual speed, so only the wait beyond it counts).
        busy = speed_factor(opt, load)
    else:  # no curve: each open lead costs in proportion, a full producer ``capacity_price``
        share = min(1.0, load.open_count / (p.max_open or spec.capacity_reference))
        busy = 1.0 - opt.capacity_price * share
    factor = max(0.0, busy) * max(0.0, budget)
    value = b.value * factor
    return Scored(p.id, mean, mean * value, sd * value, mean * b.value * (1.0 - factor))


def response_minutes(opt: OptimizerSpec, load: ProducerLoad) -> float:
    """The producer's usual minutes from assignment to first call (an assumption if none)."""
    if load.avg_response_seconds is None:
        return opt.response_minutes
    return max(0.0, load.avg_response_seconds / 60.0)


def expected_delay(opt: OptimizerSpec, load: ProducerLoad) -> float:
    """Minutes to this lead's first call: each waiting call takes a response and a talk."""
    usual, waiting = response_minutes(opt, load), load.open_count
    since = load.minutes_since_contact
    talking = 0.0 if since is None else max(0.0, opt.handle_minutes - since)
    return talking + (waiting + 1) * usual + waiting * opt.handle_minutes


def contact_probability(opt: OptimizerSpec, minutes: float) -> float:
    """P(reaching the consumer) with a first call after ``minutes``, on the spec's curve."""
    curve = opt.contact_curve
    x0, f0 = curve[0]
    factor = f0
    if minutes > x0:
        factor = curve[-1][1]
        for (a, fa), (b, fb) in itertools.pairwise(curve):
            if a < minutes <= b:
                t = (minutes - a) / (b - a)
                factor = math.exp(math.log(fa) + t * (math.log(fb) - math.log(fa)))
                break
    odds = opt.contact_rate / (1.0 - opt.contact_rate) * factor
    return odds / (1.0 + odds)


def speed_factor(opt: OptimizerSpec, load: ProducerLoad) -> float:
    """The value of a call after the expected wait, against one at the producer's usual speed."""
    usual = contact_probability(opt, response_minutes(opt, load))
    return contact_probability(opt, expected_delay(opt, load)) / usual if usual > 0 else 0.0


def _cdf(x: float, s: Scored) -> float:
    if s.sd <= 0.0:
        return 1.0 if x > s.mean else 0.0
    return 0.5 * (1.0 + math.erf((x - s.mean) / (s.sd * math.sqrt(2.0))))


def win_probability(s: Scored, others: Sequence[Scored]) -> float:
    """P(a draw from ``s`` beats every draw from ``others``), by Simpson's rule."""
    if not others:
        return 1.0
    if s.sd <= 0.0:
        return math.prod(_cdf(s.mean, o) for o in others)
    h = 16.0 / _GRID
    total = 0.0
    for i in range(_GRID + 1):
        z = -8.0 + i * h
        weight = 1.0 if i in (0, _GRID) else 4.0 if i % 2 else 2.0
        x = s.mean + s.sd * z
        inner = 1.0
        for o in others:
            inner *= _cdf(x, o)
            if inner == 0.0:
                break
        total += weight * math.exp(-0.5 * z * z) * inner
    return min(1.0, total * h / 3.0 / math.sqrt(2.0 * math.pi))


def distribution(
    spec: StrategySpec,
    pool: Sequence[Producer],
    *,
    loads: Mapping[int, ProducerLoad],
    learning: LearningInput,
) -> dict[int, float]:
    """The probability of choosing each producer of the pool (fairness applied), for replay."""
    opt = spec.optimizer or OptimizerSpec()
    _, candidates, _ = _fair(opt, pool, learning)
    scored = [_score(p, spec, opt, loads, learning.beliefs.get(p.id, UNIFORM)) for p in candidates]
    n = len(scored)
    return {
        s.producer_id: opt.exploration / n
        + (1 - opt.exploration) * win_probability(s, [o for o in scored if o is not s])
        for s in scored
    }
