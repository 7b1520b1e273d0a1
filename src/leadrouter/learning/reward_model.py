"""The reward model of the doubly robust estimate: P(bind) of a lead given to a producer.

Built from what the agency has learned, not from hindsight: the conversion estimates give a
producer's bind rate in the lead's segment at their usual speed; the speed-to-lead curve the
optimizer prices with (``OptimizerSpec.contact_curve``) scales it to the wait this lead
would have had (its age at the decision plus the producer's expected delay from their
load). Then a logistic recalibration on the logged outcomes, cross-fitted (each half of the
log is scored by a fit on the other half, so no decision grades its own outcome), corrects
the level and slope of the whole: the estimates shrink toward the agency's rate, and the
wait model is rough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from leadrouter.domain.routing.model import ProducerLoad
from leadrouter.domain.routing.optimizer import contact_probability, expected_delay
from leadrouter.domain.routing.optimizer import response_minutes as usual_minutes
from leadrouter.domain.routing.policy import OptimizerSpec

if TYPE_CHECKING:  # scikit-learn loads slowly: the API and the commands import this module
    from sklearn.linear_model import LogisticRegression

EDGE = 1e-4


def at_wait(
    rate: float, load: ProducerLoad, *, age_minutes: float, spec: OptimizerSpec | None = None
) -> float:
    """``rate`` (a bind rate at the producer's usual speed) for a first call after the lead's
    age plus the producer's expected delay."""
    spec = spec or OptimizerSpec()
    if not spec.contact_curve:
        return rate
    usual = contact_probability(spec, usual_minutes(spec, load))
    later = contact_probability(spec, max(0.0, age_minutes) + expected_delay(spec, load))
    return rate * later / usual if usual > 0 else rate


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, EDGE, 1 - EDGE)
    out: np.ndarray = np.log(q / (1 - q)).reshape(-1, 1)
    return out


class Recalibration:
    """A logistic fit of the logged reward on logit(prediction of the logged choice), one per
    half of the log; a decision's predictions go through the fit of the other half."""

    def __init__(self, q_logged: np.ndarray, reward: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

        q_logged, reward = np.asarray(q_logged, float), np.asarray(reward, float)
        half = np.arange(reward.size) % 2
        self._fits: list[LogisticRegression | None] = []
        for part in (0, 1):
            train = half != part
            if len(set(reward[train].tolist())) < 2:
                self._fits.append(None)  # one kind of outcome only: leave the model be
                continue
            self._fits.append(LogisticRegression(C=1e6).fit(_logit(q_logged[train]), reward[train]))

    def __call__(self, index: int, q: np.ndarray | float) -> np.ndarray:
        """Predictions ``q`` for decision ``index`` (any candidate's), recalibrated."""
        q = np.atleast_1d(np.asarray(q, float))
        fit = self._fits[index % 2]
        if fit is None:
            return q
        out: np.ndarray = fit.predict_proba(_logit(q))[:, 1]
        return out
