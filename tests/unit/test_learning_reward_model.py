"""The doubly robust estimate's reward model: priced for the wait, recalibrated on the log."""

from __future__ import annotations

import numpy as np
import pytest

from leadrouter.domain.routing.model import ProducerLoad
from leadrouter.learning.reward_model import Recalibration, at_wait


def test_a_lead_that_waits_longer_is_worth_less_and_one_that_does_not_wait_keeps_its_rate():
    free = ProducerLoad(avg_response_seconds=300)
    busy = ProducerLoad(open_count=2, avg_response_seconds=300)
    assert at_wait(0.2, free, age_minutes=0) == pytest.approx(0.2)
    assert at_wait(0.2, busy, age_minutes=0) < at_wait(0.2, free, age_minutes=0)
    assert at_wait(0.2, free, age_minutes=60) < 0.2 * 0.1  # an hour old: hardly reachable


@pytest.mark.slow  # 20,000 recalibrated predictions, one at a time; make test-fast skips it
def test_recalibration_corrects_a_model_that_is_twice_too_high_without_grading_itself():
    rng = np.random.default_rng(7)
    truth = rng.uniform(0.02, 0.3, size=20_000)
    reward = (rng.random(truth.size) < truth).astype(float)
    cal = Recalibration(2 * truth, reward)
    fitted = np.array([cal(k, 2 * truth[k])[0] for k in range(truth.size)])
    assert fitted.sum() == pytest.approx(reward.sum(), rel=0.03)
    assert (2 * truth).sum() > 1.8 * reward.sum()


def test_a_log_with_one_kind_of_outcome_leaves_the_model_as_it_is():
    cal = Recalibration(np.array([0.1, 0.2, 0.3, 0.4]), np.zeros(4))
    assert cal(0, 0.25)[0] == pytest.approx(0.25)
