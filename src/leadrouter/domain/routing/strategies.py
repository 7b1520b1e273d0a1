"""Strategies: pick one producer from the pool, with a stated tie-break.

- round robin: fewest leads given in this pool; a producer the pool has not seen yet counts
  as the current minimum (a newcomer is not flooded). Tie: lowest producer id.
- weighted round robin: fewest leads per unit of weight (per-producer weight, policy
  override first); weight 0 takes nothing. Tie: lowest producer id.
- least loaded: fewest open leads. Tie: fewest leads in this pool, then lowest producer id.
- weighted score: weights (default 30/35/25/10) times four parts, each 0..1:
  capacity = 1 - open/cap (cap = max_open, else ``capacity_reference``);
  specialization = 1 sells the insurance type, 0.8 its business line, 0.3 a generalist, else 0;
  close rate = own / best in the pool; response speed = (fastest + 60 s) / (own + 60 s);
  an unknown close rate or speed scores the pool's mean (0.5 when nobody has one).
  Score = weighted mean, rounded to 6 places (``round6``). Tie: fewest leads in this pool,
  then lowest id.
- optimizer: Thompson sampling on the conversion estimates (see ``optimizer``); random, so
  the probability of its choice is logged. Ties have probability zero.

Deterministic strategies choose with probability 1, and say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter, is_not

from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.model import Producer
from leadrouter.domain.routing import optimizer
from leadrouter.domain.routing.model import ZERO_LOAD, LearningInput, ProducerLoad
from leadrouter.domain.routing.policy import StrategySpec

TIE_RULES = {
    "round_robin": "lowest producer id",
    "weighted_round_robin": "lowest producer id",
    "least_loaded": "fewest leads in this pool, then lowest producer id",
    "weighted_score": "fewest leads in this pool, then lowest producer id",
    "optimizer": "none needed (random draws; the probability of the choice is logged)",
}
RESPONSE_DAMPING_SECONDS = 60.0
# Filters and getters the weighted score maps over a whole pool (no bytecode per producer).
_KNOWN = partial(is_not, None)
_CLOSE_RATE = attrgetter("close_rate")
_RESPONSE = attrgetter("avg_response_seconds")


@dataclass(frozen=True)
class Pick:
    """The strategy's choice, every candidate's score and how a tie (if any) was broken."""

    winner: Producer | None
    scores: dict[int, float]
    parts: Mapping[int, Mapping[str, float]]
    refused: dict[int, str]  # candidates the strategy itself can't choose (weight 0)
    summary: str
    tie_break: str | None
    propensity: float | None = None  # the probability of this choice


def _optimize(
    spec: StrategySpec,
    pool: Sequence[Producer],
    loads: Mapping[int, ProducerLoad],
    learning: LearningInput | None,
    lead_id: int,
) -> Pick:
    c = optimizer.choose(spec, pool, loads=loads, learning=learning, lead_id=lead_id)
    parts = {
        pid: {
            "posterior_mean": round(s.posterior_mean, 6),
            "expected_value": round(s.mean, 6),
            "capacity_price": round(s.price, 6),
            "draw": round(c.draws[pid], 6),
            **({"probability": round(c.probability[pid], 6)} if pid in c.probability else {}),
        }
        for pid, s in c.scored.items()
    }
    scores = {pid: round(s.mean, 6) for pid, s in c.scored.items()}
    winner = c.winner
    propensity = c.probability[winner.id] if winner is not None else None
    return Pick(winner, scores, parts, c.refused, c.summary, None, propensity)


def pick(
    spec: StrategySpec,
    pool: Sequence[Producer],
    *,
    itype: InsuranceType | None,
    loads: Mapping[int, ProducerLoad],
    counts: Mapping[int, int],
    learning: LearningInput | None = None,
    lead_id: int = 0,
    pool_loads: Sequence[ProducerLoad] | None = None,
) -> Pick:
    """Choose one producer from a non-empty pool by the strategy in ``spec``;
    ``pool_loads``, when given, are the pool's loads in its order (already looked up)."""
    if spec.kind == "optimizer":
        return _optimize(spec, pool, loads, learning, lead_id)
    if spec.kind == "weighted_score":
        return _pick_by_score(spec, pool, counts, _scored(spec, pool, itype, loads, pool_loads))
    present = [counts[p.id] for p in pool if p.id in counts]
    floor = min(present) if present else 0
    given = {p.id: counts.get(p.id, floor) for p in pool}
    refused: dict[int, str] = {}
    parts: Mapping[int, Mapping[str, float]] = {}
    keys: dict[int, tuple[float, ...]]
    if spec.kind == "round_robin":
        primary = {p.id: float(given[p.id]) for p in pool}
        parts = {pid: {"leads_in_pool": v} for pid, v in primary.items()}
        keys = {pid: (v, pid) for pid, v in primary.items()}
    elif spec.kind == "weighted_round_robin":
        primary = _weighted_ratios(spec, pool, counts, refused)
        parts = {
            pid: {"leads_in_pool": float(given[pid]), "leads_per_weight": v}
            for pid, v in primary.items()
        }
        keys = {pid: (v, pid) for pid, v in primary.items()}
    else:
        primary = {p.id: float(loads.get(p.id, ZERO_LOAD).open_count) for p in pool}
        parts = {
            pid: {"open_leads": v, "leads_in_pool": float(given[pid])} for pid, v in primary.items()
        }
        keys = {pid: (v, given[pid], pid) for pid, v in primary.items()}
    if not keys:
        return Pick(None, primary, parts, refused, f"{spec.kind}: nobody can be chosen", None)
    best = min(keys, key=keys.__getitem__)
    tied = sorted(pid for pid in keys if primary[pid] == primary[best])
    return _picked(spec, pool, best, tied, primary, parts, refused)


def _pick_by_score(
    spec: StrategySpec,
    pool: Sequence[Producer],
    counts: Mapping[int, int],
    scored: tuple[ScoreParts, dict[int, float], list[int]],
) -> Pick:
    """The weighted score's choice from ``scored`` (parts, scores, the ids at the top
    score): the highest score, then fewest leads in this pool, then the lowest id. Leads in
    the pool are counted only among those tied at the top (the fallback scores the whole
    gated pool, where a tie is rare)."""
    parts, scores, tied = scored
    if not scores:
        return Pick(None, scores, parts, {}, f"{spec.kind}: nobody can be chosen", None)
    best = tied[0]
    if len(tied) > 1:
        present = [counts[p.id] for p in pool if p.id in counts]
        floor = min(present) if present else 0
        best = min(tied, key=lambda pid: (counts.get(pid, floor), pid))
        tied.sort()
    return _picked(spec, pool, best, tied, scores, parts, {})


def _picked(
    spec: StrategySpec,
    pool: Sequence[Producer],
    best: int,
    tied: list[int],
    primary: dict[int, float],
    parts: Mapping[int, Mapping[str, float]],
    refused: dict[int, str],
) -> Pick:
    """The pick of ``best``, stating the tie-break when ``tied`` (sorted) holds more."""
    winner = next(p for p in pool if p.id == best)
    tie_break = None
    if len(tied) > 1:
        ids = ", ".join(f"#{pid}" for pid in tied)
        tie_break = f"{ids} tied at {primary[best]:g}; {TIE_RULES[spec.kind]} → #{best}"
    summary = f"{spec.kind}: {winner.name} (#{best}) chosen at {primary[best]:g}"
    return Pick(winner, primary, parts, refused, summary, tie_break, 1.0)


def _weighted_ratios(
    spec: StrategySpec, pool: Sequence[Producer], counts: Mapping[int, int], refused: dict[int, str]
) -> dict[int, float]:
    weights: dict[int, float] = {}
    for p in pool:
        w = float(spec.producer_weights.get(p.id, p.weight))
        if w <= 0:
            refused[p.id] = "weight 0 in weighted round robin"
        else:
            weights[p.id] = w
    present = [counts[pid] / w for pid, w in weights.items() if pid in counts]
    floor = min(present) if present else 0.0
    return {pid: (counts[pid] / w if pid in counts else floor) for pid, w in weights.items()}


def score_parts(
    spec: StrategySpec,
    pool: Sequence[Producer],
    *,
    itype: InsuranceType | None,
    loads: Mapping[int, ProducerLoad],
) -> dict[int, dict[str, float]]:
    """The four 0..1 parts of the weighted score for each producer in the pool."""
    parts = _scored(spec, pool, itype, loads)[0]
    return {pid: parts[pid] for pid in parts}


class ScoreParts(Mapping[int, dict[str, float]]):
    """The weighted score's four parts of each producer, kept as rows; a producer's parts
    become a dict when read (the explanation reads them, choosing does not)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: dict[int, tuple[float, float, float, float]]) -> None:
        self._rows = rows

    def __getitem__(self, producer_id: int) -> dict[str, float]:
        capacity, special, rate, speed = self._rows[producer_id]
        return {
            "capacity": capacity,
            "specialization": special,
            "close_rate": rate,
            "response_speed": speed,
        }

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _scored(
    spec: StrategySpec,
    pool: Sequence[Producer],
    itype: InsuranceType | None,
    loads: Mapping[int, ProducerLoad],
    pool_loads: Sequence[ProducerLoad] | None = None,
) -> tuple[ScoreParts, dict[int, float], list[int]]:
    """Each producer's parts and weighted score (rounded to 6 places), in one pass, and
    the ids at the top score in pool order (what ``max`` and a second pass would find).

    The loop runs over every producer of a pool (the fallback's is the whole gated pool),
    so the parts are worked out inline: each producer's own close rate and speed once.
    """
    if pool_loads is None:
        pool_loads = [loads.get(p.id, ZERO_LOAD) for p in pool]
    rates = list(map(_CLOSE_RATE, pool_loads))
    times = list(map(_RESPONSE, pool_loads))
    best_rate = max(filter(_KNOWN, rates), default=0.0)
    fastest = max(0.0, min(filter(_KNOWN, times), default=0.0))
    fastest += RESPONSE_DAMPING_SECONDS
    # close rate = own / best in the pool; response speed = (fastest + 60 s) / (own + 60 s);
    # _clamp inlined (the loops run over every producer of the fallback's pool)
    rate_parts = [
        None
        if r is None
        else (0.0 if (x := r / best_rate) < 0 else 1.0 if x > 1 else x)
        if best_rate > 0
        else 0.0
        for r in rates
    ]
    speed_parts = [
        None
        if t is None
        else (
            0.0
            if (x := fastest / ((t if t > 0.0 else 0.0) + RESPONSE_DAMPING_SECONDS)) < 0
            else 1.0
            if x > 1
            else x
        )
        for t in times
    ]
    known_rates = [x for x in rate_parts if x is not None]
    known_speeds = [x for x in speed_parts if x is not None]
    rate_default = sum(known_rates) / len(known_rates) if known_rates else 0.5
    speed_default = sum(known_speeds) / len(known_speeds) if known_speeds else 0.5
    share = dict(_shares(spec.score_weights))
    wc, ws = share.get("capacity", 0.0), share.get("specialization", 0.0)
    wr, wv = share.get("close_rate", 0.0), share.get("response_speed", 0.0)
    reference = spec.capacity_reference
    code, line = (itype.code, itype.business_line) if itype is not None else (None, None)
    rows: dict[int, tuple[float, float, float, float]] = {}
    scores: dict[int, float] = {}
    top = -math.inf
    tied: list[int] = []
    for p, load, rate, speed in zip(pool, pool_loads, rate_parts, speed_parts, strict=True):
        pid, cap, lines = p.id, p.max_open or reference, p.business_lines
        # specialization(p, itype), inlined
        special = 1.0 if code in lines else 0.8 if line in lines else 0.0 if lines else 0.3
        if cap > 0:
            capacity = 1.0 - load.open_count / cap
            capacity = 0.0 if capacity < 0 else 1.0 if capacity > 1 else capacity
        else:
            capacity = 0.0
        if rate is None:
            rate = rate_default
        if speed is None:
            speed = speed_default
        rows[pid] = (capacity, special, rate, speed)
        # round6(x), its fast path inlined (this line runs for every producer of the pool)
        x = wc * capacity + ws * special + wr * rate + wv * speed
        if 0.0 < x < 16.0:
            y = x * 1e6
            n = int(y)
            f = y - n
            score = n / 1e6 if f < 0.49999999 else (n + 1) / 1e6 if f > 0.50000001 else round(x, 6)
        else:
            score = round(x, 6)
        scores[pid] = score
        if score >= top:
            if score > top:
                top = score
                tied = [pid]
            else:
                tied.append(pid)
    return ScoreParts(rows), scores, tied


def round6(x: float) -> float:
    """``round(x, 6)``, exactly, at less than half its cost for the scores' range.

    For 0 < x < 16, ``y = x * 1e6`` is within 2**-30 of the exact product, so unless its
    fraction lies within 1e-8 of one half, ``int(y)`` or the next integer is the integer
    ``round`` rounds to; dividing that exact integer by 1e6 is then correctly rounded, as
    is ``round``'s own conversion back from decimal. Ties, and everything else, go to ``round``.
    """
    if 0.0 < x < 16.0:
        y = x * 1e6
        n = int(y)
        f = y - n
        if f < 0.49999999:
            return n / 1e6
        if f > 0.50000001:
            return (n + 1) / 1e6
    return round(x, 6)


def _shares(weights: Mapping[str, float]) -> list[tuple[str, float]]:
    """Each weight as a share of their sum (negative weights count as 0)."""
    total = sum(max(0.0, w) for w in weights.values())
    if total <= 0:
        return []
    return [(k, max(0.0, w) / total) for k, w in weights.items()]


def specialization(p: Producer, itype: InsuranceType | None) -> float:
    """How well the producer's stated lines match the insurance type, 0..1."""
    if itype is not None and itype.code in p.business_lines:
        return 1.0
    if itype is not None and itype.business_line in p.business_lines:
        return 0.8
    return 0.3 if not p.business_lines else 0.0


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x
