"""Check intent scoring and the propensity model on real leads (``leadrouter learn evaluate``).

The file is split by a hash of each lead's id (``xeducation.held_out``): about 70% trains the
fitted rubric and the model, the other 30% is scored once and reported. Three scorers are
compared on the held-out part: the default rubric (nothing learned; its probability mapping
only is fitted on the training part, for the Brier score), the rubric recalibrated from the
training outcomes, and the propensity model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leadrouter.domain.scoring import DEFAULT_RUBRIC, TIERS, Rubric, score
from leadrouter.errors import ValidationFailed
from leadrouter.learning import intent, xeducation
from leadrouter.learning.propensity import FeatureSpec, Propensity

SPEC = FeatureSpec(
    numbers=(*xeducation.NUMBERS, "questions answered", "questions left blank"),
    categories=xeducation.CATEGORIES,
)
Step = Callable[[str], None]
STEPS = 5  # the calls ``evaluate`` makes to ``step``


@dataclass(frozen=True)
class TierRow:
    """One tier on the held-out part: how many leads, their share and conversion rate."""

    tier: str
    leads: int
    share: float
    conversion: float


@dataclass(frozen=True)
class Scored:
    """One scorer's results on the held-out part."""

    name: str
    auc: float
    brier: float
    tiers: tuple[TierRow, ...]
    probabilities: tuple[float, ...]

    @property
    def tiers_rise(self) -> bool:
        """Whether conversion strictly rises from low to medium to high."""
        rates = [t.conversion for t in self.tiers]
        return all(a < b for a, b in itertools.pairwise(rates))


@dataclass(frozen=True)
class Evaluation:
    """Everything ``learn evaluate`` prints."""

    train_leads: int
    held_out_leads: int
    held_out_rate: float
    scorers: tuple[Scored, ...]
    outcomes: tuple[int, ...]
    rubric: Rubric


def model_tier(p: float, base_rate: float) -> str:
    """A probability's tier: high at twice the base odds or more, low at half or less."""
    odds = p / max(1 - p, 1e-9)
    base = base_rate / (1 - base_rate)
    if odds >= base * intent.HIGH_ODDS:
        return "high"
    return "low" if odds <= base * intent.LOW_ODDS else "medium"


def _scored(
    name: str, y: np.ndarray, p: Sequence[float] | np.ndarray, tiers: Sequence[str]
) -> Scored:
    rows = []
    for t in TIERS:
        mask = np.array([x == t for x in tiers])
        n = int(mask.sum())
        rows.append(TierRow(t, n, n / len(y), float(y[mask].mean()) if n else math.nan))
    from sklearn.metrics import brier_score_loss, roc_auc_score  # slow to load

    probs = np.asarray(p, dtype=float)
    return Scored(
        name,
        float(roc_auc_score(y, probs)),
        float(brier_score_loss(y, probs)),
        tuple(rows),
        tuple(float(v) for v in probs),
    )


def evaluate(path: Path, *, step: Step = lambda _: None) -> Evaluation:
    """Fit on the file's training part, report the three scorers on its held-out part."""
    if not path.is_file():
        raise ValidationFailed(f"no such file: {path}")
    step("reading the file")
    rows = list(xeducation.read(path))
    train = [r for r in rows if not xeducation.held_out(r.id)]
    test = [r for r in rows if xeducation.held_out(r.id)]
    if len(train) < intent.MIN_OUTCOMES or len(test) < 20:
        raise ValidationFailed(f"{path.name}: too few leads to split ({len(rows)})")
    y_train = np.array([r.converted for r in train])
    y = np.array([r.converted for r in test])
    if y.min() == y.max():
        raise ValidationFailed(f"{path.name}: the held-out part has only one outcome")
    scorers = []
    step("scoring with the default rubric")
    default = intent.calibrate(DEFAULT_RUBRIC, [r.signals for r in train], y_train)
    scorers.append(_rubric("default rubric", default, test, y))
    step("recalibrating the rubric from the training outcomes")
    fitted = intent.fit_rubric([r.signals for r in train], y_train, version=1).rubric
    scorers.append(_rubric("fitted rubric", fitted, test, y))
    step("training the propensity model")
    model = Propensity.fit(SPEC, [r.features for r in train], y_train)
    step("scoring with the model")
    p = model.predict([r.features for r in test])
    tiers = [model_tier(float(v), model.base_rate) for v in p]
    scorers.append(_scored("model", y, p, tiers))
    return Evaluation(
        len(train), len(test), float(y.mean()), tuple(scorers), tuple(int(v) for v in y), fitted
    )


def _rubric(name: str, rubric: Rubric, test: Sequence[xeducation.Row], y: np.ndarray) -> Scored:
    scores = [score(r.signals, rubric) for r in test]
    p = [rubric.probability(s.score) or 0.0 for s in scores]
    return _scored(name, y, p, [s.tier for s in scores])


def reliability(
    y: Sequence[int], p: Sequence[float], bins: int = 10
) -> list[tuple[float, float, int]]:
    """Mean predicted vs observed conversion per probability bin (bins with leads only)."""
    probs, outcomes = np.asarray(p), np.asarray(y)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probs, edges) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append((float(probs[mask].mean()), float(outcomes[mask].mean()), int(mask.sum())))
    return out
