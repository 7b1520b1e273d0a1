"""The simulated agency: its truth, reproducibility, and what every strategy must keep."""

from __future__ import annotations

import pytest

from leadrouter.sim.compare import compare
from leadrouter.sim.oracle import solve_oracle
from leadrouter.sim.report import chart_svg, gini
from leadrouter.sim.scenario import make_scenario
from leadrouter.sim.truth import contact_odds_factor, qualify_probability


def test_contact_odds_fall_with_delay_by_the_published_anchors():
    assert contact_odds_factor(3) == 1.0
    assert contact_odds_factor(10) == pytest.approx(0.2)
    assert contact_odds_factor(30) == pytest.approx(0.01)
    assert qualify_probability(30) == pytest.approx(7 * qualify_probability(90))


def test_the_same_seed_gives_the_same_agency_and_another_seed_another():
    a, b, c = (make_scenario(seed=k, days=3, producers=6) for k in (1, 1, 2))
    assert a == b
    assert a.leads != c.leads


def test_gini_is_zero_for_equal_shares_and_grows_with_concentration():
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 20]) == pytest.approx(0.75)


@pytest.fixture(scope="module")
def small():
    s = make_scenario(seed=4, days=5, producers=10)
    return s, *compare(s)


@pytest.mark.slow
def test_every_strategy_keeps_the_license_and_drops_no_lead(small):
    _s, rows, _ = small
    assert [r.strategy for r in rows] == [
        "round robin",
        "territory",
        "weighted score",
        "optimizer",
        "oracle (LP)",
    ]
    for r in rows:
        assert (r.unlicensed, r.dropped) == (0, 0), r.strategy


@pytest.mark.slow
def test_the_oracle_bounds_every_strategy_in_expected_binds(small):
    _s, rows, _ = small
    oracle = rows[-1]
    for r in rows[:-1]:
        assert r.expected_binds <= oracle.expected_binds, r.strategy


@pytest.mark.slow
def test_a_rerun_is_identical_and_the_optimizer_logs_a_probability_for_each_choice(small):
    s, rows, outcomes = small
    again, _ = compare(s)
    assert [(r.binds, r.premium, r.gini) for r in again] == [
        (r.binds, r.premium, r.gini) for r in rows
    ]
    optimizer = outcomes[3]
    assert all(0 < c.propensity <= 1 for c in optimizer.choices)
    assert any(c.propensity < 1 for c in optimizer.choices)


@pytest.mark.slow
def test_the_chart_draws_one_line_per_strategy(small):
    s, _, outcomes = small
    svg = chart_svg(s, outcomes)
    assert svg.startswith("<svg") and svg.count("<polyline") == len(outcomes)
    assert solve_oracle(s).binds == outcomes[-1].binds
