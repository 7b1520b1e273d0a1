"""Recalibrate the intent rubric from outcomes (``leadrouter learn intent``).

A logistic regression on the rubric's own features gives each feature a weight in log-odds;
the weights are scaled so the strongest positive one is worth as many points as a
high-intent signal of the default rubric (9), so a fitted rubric reads like the default.
Features that too few leads show (fewer than ``MIN_SUPPORT``) cannot be learned and keep
their default weight. The cut-points follow from the fit: *high* where the odds of
converting are at least twice the agency's, *low* where they are at most half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadrouter.domain.scoring import (
    DEFAULT_RUBRIC,
    FEATURES,
    HIGH,
    Rubric,
    Signals,
    rubric_features,
    score,
)
from leadrouter.errors import ValidationFailed
from leadrouter.learning.threads import one_thread

MIN_SUPPORT = 30
MIN_OUTCOMES = 50
HIGH_ODDS = 2.0  # high: odds of converting at least twice the base odds
LOW_ODDS = 0.5  # low: at most half


@dataclass(frozen=True)
class RubricFit:
    """A fitted rubric and what it was fitted on."""

    rubric: Rubric
    leads: int
    conversion_rate: float
    learned: tuple[str, ...]  # features with enough support to be fitted


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def matrix(signals: Sequence[Signals]) -> np.ndarray:
    """The rubric features of each lead, one row per lead, columns in ``FEATURES`` order."""
    return np.array([[rubric_features(s)[f] for f in FEATURES] for s in signals], dtype=float)


def fit_rubric(
    signals: Sequence[Signals],
    outcomes: Sequence[int] | np.ndarray,
    *,
    version: int,
    prior: Rubric = DEFAULT_RUBRIC,
) -> RubricFit:
    """Fit rubric weights and cut-points to the outcomes (1 = converted) of these leads."""
    y = np.asarray(outcomes, dtype=int)
    if len(y) < MIN_OUTCOMES or y.min() == y.max():
        raise ValidationFailed(
            f"need at least {MIN_OUTCOMES} leads with outcomes, converted and not; "
            f"have {len(y)} ({int(y.sum())} converted)"
        )
    from sklearn.linear_model import LogisticRegression  # slow to load: only when fitting

    x = matrix(signals)
    support = (x != 0).sum(axis=0)
    learned = [i for i, n in enumerate(support) if n >= MIN_SUPPORT]
    with one_thread():
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x[:, learned], y)
    coef = dict(zip((FEATURES[i] for i in learned), model.coef_[0], strict=True))
    strongest = max([c for c in coef.values() if c > 0], default=1.0)
    points_per_logit = HIGH / strongest
    weights = {
        f: round(float(coef[f]) * points_per_logit, 1) if f in coef else prior.weights.get(f, 0.0)
        for f in FEATURES
    }
    draft = Rubric(weights, high_at=0.0, medium_at=0.0, version=version)
    points = np.array([score(s, draft).score for s in signals])
    slope, intercept = _platt(points, y)
    base = _logit(float(y.mean()))
    high_at = (base + math.log(HIGH_ODDS) - intercept) / slope
    medium_at = (base + math.log(LOW_ODDS) - intercept) / slope
    rubric = Rubric(
        weights,
        high_at=round(high_at, 1),
        medium_at=round(medium_at, 1),
        version=version,
        intercept=round(intercept, 4),
        slope=round(slope, 4),
    )
    names = tuple(FEATURES[i] for i in learned)
    return RubricFit(rubric, len(y), float(y.mean()), names)


def _platt(points: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of log-odds on points (a one-feature logistic regression)."""
    from sklearn.linear_model import LogisticRegression

    with one_thread():
        m = LogisticRegression(C=1e4, max_iter=1000).fit(points.reshape(-1, 1), y)
    slope = float(m.coef_[0][0])
    if slope <= 0:
        raise ValidationFailed("the fitted rubric does not rank converting leads higher")
    return slope, float(m.intercept_[0])


def calibrate(
    rubric: Rubric, signals: Sequence[Signals], outcomes: Sequence[int] | np.ndarray
) -> Rubric:
    """The same weights and cut-points with a probability mapping fitted to these outcomes."""
    points = np.array([score(s, rubric).score for s in signals])
    slope, intercept = _platt(points, np.asarray(outcomes, dtype=int))
    return Rubric(
        rubric.weights, rubric.high_at, rubric.medium_at, rubric.version, intercept, slope
    )
