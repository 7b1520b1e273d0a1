"""Off-policy evaluation: what another policy would have earned on the logged decisions.

Each logged decision i has the reward it earned (1 bound, 0 not), the probability with which
the logging policy made its choice (``logged``), the probability the candidate policy gives
that same choice (``target``), and, for the doubly robust estimator, a reward model: its
prediction for the logged choice (``q_logged``) and its expectation under the candidate
policy over all candidates (``q_target``).

* IPS: mean of w r, with w = target / logged; unbiased, can be noisy.
* SNIPS: sum of w r / sum of w; a little biased, far steadier.
* DR: mean of q_target + w (r - q_logged); unbiased when either the propensities or the
  reward model are right, and steadier than IPS when the model is decent.
* Clipped DR (``clip`` = c): the correction's weight capped at c, min(w, c) (r - q_logged).
  A log where the candidate's choice was rarely made (w of 20 or 40 on a 10 % bind) leaves
  every unclipped estimator at the mercy of a few lucky leads; capping the weight trades that
  variance for a bias no larger than the reward model's error on the capped part, so it is
  only as good as the model (``learning.reward_model``).

Confidence intervals: percentile bootstrap over decisions, with a seeded generator.

Feasible range (``bounds``): a reward of 0 or 1 per decision means any policy earns between
0 and n in all. DR and IPS are not bound to it: on a small log, a model's value plus weighted
residuals can come out below 0 (or above n). Given ``bounds``, every point estimate and
interval end is clamped to it, and an estimate whose point was moved says so (``clamped``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

MIN_PROPENSITY = 1e-6
T = TypeVar("T")


def first_per_lead(
    logged: Iterable[T], lead_of: Callable[[T], int], usable: Callable[[T], bool]
) -> list[T]:
    """Each lead's first usable logged decision, in log order: the one its reward is scored on
    (a reassignment's reward belongs to the first decision too)."""
    seen: set[int] = set()
    firsts = []
    for decision in logged:
        lead = lead_of(decision)
        if lead not in seen and usable(decision):
            seen.add(lead)
            firsts.append(decision)
    return firsts


@dataclass(frozen=True)
class Estimate:
    """A per-decision value and its bootstrap interval, and the same scaled to a total."""

    name: str
    value: float
    low: float
    high: float
    n: int
    clamped: bool = False  # the point estimate fell outside the feasible range

    @property
    def total(self) -> tuple[float, float, float]:
        """(estimate, low, high) summed over the ``n`` decisions."""
        return self.value * self.n, self.low * self.n, self.high * self.n


def _weights(logged: np.ndarray, target: np.ndarray) -> np.ndarray:
    weights: np.ndarray = target / np.maximum(logged, MIN_PROPENSITY)
    return weights


def ips(reward: np.ndarray, logged: np.ndarray, target: np.ndarray) -> float:
    """Inverse propensity scoring: the mean of w r."""
    return float(np.mean(_weights(logged, target) * reward))


def snips(reward: np.ndarray, logged: np.ndarray, target: np.ndarray) -> float:
    """Self-normalized IPS: sum of w r over sum of w (0 when no weight at all)."""
    w = _weights(logged, target)
    total = float(w.sum())
    return float((w * reward).sum() / total) if total > 0 else 0.0


def doubly_robust(
    reward: np.ndarray,
    logged: np.ndarray,
    target: np.ndarray,
    q_logged: np.ndarray,
    q_target: np.ndarray,
) -> float:
    """The reward model's value for the candidate policy, corrected by weighted residuals."""
    return float(np.mean(q_target + _weights(logged, target) * (reward - q_logged)))


def clipped_name(clip: float) -> str:
    """The name of the clipped DR estimate, e.g. "DR, w<=5"."""
    return f"DR, w<={clip:g}"


def evaluate(
    reward: np.ndarray,
    logged: np.ndarray,
    target: np.ndarray,
    q_logged: np.ndarray | None = None,
    q_target: np.ndarray | None = None,
    *,
    rounds: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    clip: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> list[Estimate]:
    """IPS, SNIPS and (with a reward model) DR, and DR with weights capped at ``clip`` when
    given, each with a bootstrap interval; clamped to ``bounds`` per decision when given."""
    reward, logged, target = (np.asarray(a, dtype=float) for a in (reward, logged, target))
    n = reward.size
    columns: dict[str, np.ndarray] = {
        "IPS": _weights(logged, target) * reward,
    }
    if q_logged is not None and q_target is not None:
        q_logged, q_target = np.asarray(q_logged, float), np.asarray(q_target, float)
        columns["DR"] = q_target + _weights(logged, target) * (reward - q_logged)
        if clip is not None:
            capped = np.minimum(_weights(logged, target), clip)
            columns[clipped_name(clip)] = q_target + capped * (reward - q_logged)
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2 * 100
    w = _weights(logged, target)
    wr = w * reward
    boots: dict[str, list[np.ndarray]] = {name: [] for name in (*columns, "SNIPS")}
    for start in range(0, rounds, 50):  # fifty resamples at a time bounds the memory
        picks = rng.integers(0, max(n, 1), size=(min(50, rounds - start), n))
        for name, values in columns.items():
            boots[name].append(values[picks].mean(axis=1) if n else np.zeros(len(picks)))
        sums = w[picks].sum(axis=1)
        boots["SNIPS"].append(
            np.where(sums > 0, wr[picks].sum(axis=1) / np.maximum(sums, 1e-12), 0.0)
        )
    out = []
    for name in ("IPS", "SNIPS", *[c for c in columns if c != "IPS"]):
        point = (
            snips(reward, logged, target)
            if name == "SNIPS"
            else float(columns[name].mean())
            if n
            else 0.0
        )
        low, high = np.percentile(np.concatenate(boots[name]), [tail, 100 - tail])
        out.append(_clamped(Estimate(name, point, float(low), float(high), n), bounds))
    return out


def _clamped(e: Estimate, bounds: tuple[float, float] | None) -> Estimate:
    if bounds is None:
        return e
    lo, hi = bounds

    def clamp(x: float) -> float:
        return min(hi, max(lo, x))

    moved = clamp(e.value) != e.value
    return Estimate(e.name, clamp(e.value), clamp(e.low), clamp(e.high), e.n, moved)
