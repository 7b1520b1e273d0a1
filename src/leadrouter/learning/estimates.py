"""Conversion estimates per producer x segment, shrunk by beta-binomial empirical Bayes.

A segment is (line, tier, source, state group). Thin cells borrow strength twice:

* the producer's own rate and the segment's rate are each shrunk toward the agency's rate,
  with a prior strength fitted from the spread between producers (between segments);
* a cell's prior mean is ``producer rate x segment rate / agency rate`` (a producer's skill
  carries across segments, a segment's difficulty across producers), and its prior strength
  is fitted, again by the method of moments, from how far cells stray from that mean.

The posterior of a cell is Beta(a, b) with a = k m + binds, b = k (1 - m) + misses.
Only leads given to their first owner within ``LIVE`` of arrival count (see there).
Pure functions over arrays; the service reads the trailing window from the store.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

import numpy as np

SegmentKey = tuple[str, str, str, str]  # line, tier, source, state group
# A lead that waited longer than this for its first owner (queued overnight, say) says more
# about the wait than about who called it: the estimates learn from live routing only.
LIVE = timedelta(minutes=10)
SEGMENT_DIMENSIONS = ("line", "tier", "source", "state_group")
MIN_STRENGTH, MAX_STRENGTH = 2.0, 1000.0
UNKNOWN = "unknown"

# Census regions: leads from neighbouring states behave more alike than the nation's.
_REGIONS = {
    "northeast": "CT ME MA NH RI VT NJ NY PA",
    "midwest": "IL IN MI OH WI IA KS MN MO NE ND SD",
    "south": "DE FL GA MD NC SC VA DC WV AL KY MS TN AR LA OK TX",
    "west": "AZ CO ID MT NV NM UT WY AK CA HI OR WA",
}
STATE_GROUP = {state: region for region, states in _REGIONS.items() for state in states.split()}


def state_group(state: str | None) -> str:
    """The census region of a state (``unknown`` for none or a territory)."""
    return STATE_GROUP.get((state or "").upper(), UNKNOWN)


def segment_of(
    line: str | None, tier: str | None, source: str | None, state: str | None
) -> SegmentKey:
    """A lead's segment key from its stored fields."""
    return (line or UNKNOWN, tier or UNKNOWN, (source or UNKNOWN).lower(), state_group(state))


@dataclass(frozen=True)
class Observation:
    """One closed lead: who had it, its segment, and whether it bound (and for how much)."""

    producer_id: int
    segment: SegmentKey
    bound: bool
    premium: float = 0.0


def fit_strength(successes: np.ndarray, trials: np.ndarray, mean: float) -> float:
    """Empirical-Bayes prior strength (a + b) by the method of moments, clipped.

    The observed variance of group rates is the prior's variance plus binomial noise;
    what is left over after the noise says how strongly to shrink.
    """
    keep = trials > 0
    if keep.sum() < 2 or not 0.0 < mean < 1.0:
        return MIN_STRENGTH if keep.sum() else MAX_STRENGTH
    n, x = trials[keep].astype(float), successes[keep].astype(float)
    rates = x / n
    weights = n / n.sum()
    observed = float(np.sum(weights * (rates - mean) ** 2))
    noise = float(np.sum(weights * mean * (1 - mean) / n))
    between = observed - noise
    if between <= 1e-12:
        return MAX_STRENGTH
    strength = mean * (1 - mean) / between - 1.0
    return float(np.clip(strength, MIN_STRENGTH, MAX_STRENGTH))


@dataclass(frozen=True)
class ConversionEstimates:
    """The fitted estimates: ask any producer x segment for its posterior, seen or not."""

    agency_rate: float
    producer_rates: dict[int, float]
    segment_rates: dict[SegmentKey, float]
    cell_strength: float
    cells: dict[tuple[int, SegmentKey], tuple[int, int]]  # (binds, trials)
    producer_strength: float
    segment_strength: float
    premiums: dict[int, float] = field(default_factory=dict)  # mean premium of a bind
    agency_premium: float = 0.0

    def prior_mean(self, producer_id: int, segment: SegmentKey) -> float:
        """The cell's prior mean: producer skill times segment difficulty."""
        base = self.agency_rate
        p = self.producer_rates.get(producer_id, base)
        s = self.segment_rates.get(segment, base)
        if base <= 0:
            return 0.0
        return float(min(0.999, max(0.001, p * s / base)))

    def posterior(self, producer_id: int, segment: SegmentKey) -> tuple[float, float]:
        """Beta(a, b) of the producer's conversion in the segment."""
        m = self.prior_mean(producer_id, segment)
        binds, trials = self.cells.get((producer_id, segment), (0, 0))
        k = self.cell_strength
        return k * m + binds, k * (1 - m) + trials - binds

    def premium(self, producer_id: int) -> float:
        """Expected premium of a bind by this producer (the agency's mean when unknown)."""
        return self.premiums.get(producer_id, self.agency_premium)


K = TypeVar("K", bound=Hashable)


def _codes(keys: Sequence[K]) -> tuple[dict[K, int], np.ndarray]:
    index: dict[K, int] = {}
    codes = np.fromiter((index.setdefault(k, len(index)) for k in keys), int, len(keys))
    return index, codes


def _shrunk_rates(
    index: dict[K, int], codes: np.ndarray, bound: np.ndarray, base: float
) -> tuple[dict[K, float], float]:
    trials = np.bincount(codes, minlength=len(index))
    binds = np.bincount(codes, weights=bound, minlength=len(index))
    strength = fit_strength(binds, trials, base)
    rates = (binds + strength * base) / (trials + strength)
    return {k: float(rates[i]) for k, i in index.items()}, strength


def fit(observations: Iterable[Observation]) -> ConversionEstimates:
    """Fit the estimates from closed leads (empty history: everything at 0.1 with weak priors)."""
    obs = list(observations)
    if not obs:
        return ConversionEstimates(0.1, {}, {}, MIN_STRENGTH, {}, MIN_STRENGTH, MIN_STRENGTH)
    bound = np.fromiter((o.bound for o in obs), float, len(obs))
    base = float(np.clip(bound.mean(), 0.005, 0.995))
    p_index, p_codes = _codes([o.producer_id for o in obs])
    s_index, s_codes = _codes([o.segment for o in obs])
    producer_rates, k_p = _shrunk_rates(p_index, p_codes, bound, base)
    segment_rates, k_s = _shrunk_rates(s_index, s_codes, bound, base)
    # Cells counted by code, not by tuple: the fit runs every few hours in the simulator.
    cell_codes = p_codes * len(s_index) + s_codes
    used, inverse = np.unique(cell_codes, return_inverse=True)
    cell_trials = np.bincount(inverse, minlength=used.size)
    cell_binds = np.bincount(inverse, weights=bound, minlength=used.size)
    producers_of, segments_of = list(p_index), list(s_index)
    cells = {
        (producers_of[int(c) // len(s_index)], segments_of[int(c) % len(s_index)]): [
            round(float(b)),
            int(t),
        ]
        for c, b, t in zip(used, cell_binds, cell_trials, strict=True)
    }
    partial = ConversionEstimates(
        base,
        producer_rates,
        segment_rates,
        MIN_STRENGTH,
        {},
        k_p,
        k_s,
    )
    cell_strength = _cell_strength(partial, cells)
    premiums = [(o.producer_id, o.premium) for o in obs if o.bound and o.premium > 0]
    agency_premium = float(np.mean([p for _, p in premiums])) if premiums else 0.0
    return ConversionEstimates(
        base,
        partial.producer_rates,
        partial.segment_rates,
        cell_strength,
        {k: (v[0], v[1]) for k, v in cells.items()},
        k_p,
        k_s,
        _shrunk_premiums(premiums, agency_premium),
        agency_premium,
    )


def _cell_strength(
    partial: ConversionEstimates, cells: dict[tuple[int, SegmentKey], list[int]]
) -> float:
    """How strongly cells shrink toward ``producer x segment``: moments of the residuals."""
    if len(cells) < 2:
        return MIN_STRENGTH
    means = np.array([partial.prior_mean(p, s) for p, s in cells])
    binds = np.array([v[0] for v in cells.values()], float)
    trials = np.array([v[1] for v in cells.values()], float)
    observed = float(np.sum(trials * (binds / trials - means) ** 2) / trials.sum())
    noise = float(np.sum(means * (1 - means)) / trials.sum())
    between = observed - noise
    typical = float(np.sum(trials * means) / trials.sum())
    if between <= 1e-12:
        return MAX_STRENGTH
    return float(np.clip(typical * (1 - typical) / between - 1.0, MIN_STRENGTH, MAX_STRENGTH))


def _shrunk_premiums(premiums: list[tuple[int, float]], agency: float) -> dict[int, float]:
    """Mean premium per producer, pulled toward the agency's by five binds' worth."""
    sums: dict[int, list[float]] = {}
    for pid, amount in premiums:
        sums.setdefault(pid, []).append(amount)
    return {pid: (sum(v) + 5 * agency) / (len(v) + 5) for pid, v in sums.items()}


def beta_interval(a: float, b: float, level: float = 0.9) -> tuple[float, float]:
    """The central credible interval of Beta(a, b)."""
    from scipy.special import betaincinv  # type: ignore[import-untyped]

    tail = (1 - level) / 2
    return float(betaincinv(a, b, tail)), float(betaincinv(a, b, 1 - tail))
