"""Conversion estimates: beta-binomial shrinkage toward the producer's and the segment's means."""

from __future__ import annotations

import random

import pytest

from leadrouter.learning.estimates import (
    MAX_STRENGTH,
    Observation,
    beta_interval,
    fit,
    fit_strength,
    segment_of,
    state_group,
)

AUTO_NE = segment_of("personal", "high", "Web", "NY")
AUTO_W = segment_of("personal", "high", "web", "CA")
LIFE_NE = segment_of("life", "low", "vendor", "NJ")


def _closed(pid, seg, binds, trials):
    return [Observation(pid, seg, i < binds) for i in range(trials)]


def test_states_fall_into_census_regions_and_sources_ignore_case():
    assert (state_group("ny"), state_group("CA"), state_group(None)) == (
        "northeast",
        "west",
        "unknown",
    )
    assert AUTO_NE == ("personal", "high", "web", "northeast")


def test_prior_strength_is_large_when_groups_differ_only_by_binomial_noise():
    import numpy as np

    rng = np.random.default_rng(1)
    trials = np.full(50, 200)
    same = rng.binomial(trials, 0.2)
    assert fit_strength(same, trials, 0.2) > 200
    spread = rng.binomial(trials, rng.uniform(0.05, 0.5, 50))
    assert fit_strength(spread, trials, float(spread.sum() / trials.sum())) < 30


def test_a_thin_cell_is_pulled_toward_producer_times_segment_not_taken_at_face_value():
    history = [
        *_closed(1, AUTO_NE, 30, 100),  # producer 1 binds 30 % of north-eastern auto
        *_closed(2, AUTO_NE, 10, 100),  # producer 2 binds 10 %
        *_closed(2, LIFE_NE, 10, 100),
        *_closed(1, LIFE_NE, 2, 2),  # two of two: not yet a 100 % life closer
    ]
    est = fit(history)
    a, b = est.posterior(1, LIFE_NE)
    assert 0.15 < a / (a + b) < 0.6
    a2, b2 = est.posterior(2, LIFE_NE)
    assert a / (a + b) > a2 / (a2 + b2)  # but producer 1's skill carries over


def test_an_unseen_cell_borrows_from_the_producer_and_the_segment():
    history = [
        *_closed(1, AUTO_NE, 40, 100),
        *_closed(2, AUTO_NE, 10, 100),
        *_closed(2, AUTO_W, 5, 100),
    ]
    est = fit(history)
    good, weak = est.posterior(1, AUTO_W), est.posterior(2, AUTO_W)
    assert good[0] / sum(good) > weak[0] / sum(weak)
    assert est.cells.get((1, AUTO_W)) is None


def test_with_plenty_of_data_the_estimate_approaches_the_true_rate():
    rng = random.Random(7)
    truth = {1: 0.30, 2: 0.08, 3: 0.15}
    history = [
        Observation(pid, AUTO_NE, rng.random() < p) for pid, p in truth.items() for _ in range(3000)
    ]
    est = fit(history)
    for pid, p in truth.items():
        a, b = est.posterior(pid, AUTO_NE)
        binds, trials = est.cells[(pid, AUTO_NE)]
        assert a / (a + b) == pytest.approx(binds / trials, abs=0.003)
        assert a / (a + b) == pytest.approx(p, abs=0.03)


def test_no_history_gives_weak_flat_priors_and_identical_producers_shrink_completely():
    empty = fit([])
    a, b = empty.posterior(9, AUTO_NE)
    assert a + b <= 3
    same = fit([*_closed(1, AUTO_NE, 10, 100), *_closed(2, AUTO_NE, 10, 100)])
    assert same.producer_strength == MAX_STRENGTH


def test_premiums_are_averaged_per_producer_and_pulled_toward_the_agency():
    history = [Observation(1, AUTO_NE, True, 2000.0)] + [
        Observation(2, AUTO_NE, True, 1000.0) for _ in range(20)
    ]
    est = fit(history)
    assert 1000 < est.premium(1) < 2000
    assert est.premium(99) == est.agency_premium


def test_the_credible_interval_contains_the_mean():
    low, high = beta_interval(30, 70)
    assert low < 0.3 < high
