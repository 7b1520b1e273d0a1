"""The optimizer strategy: Thompson draws priced for capacity, fairness, logged probabilities."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.routing import (
    Belief,
    LearningInput,
    OptimizerSpec,
    ProducerLoad,
    RoutingPolicy,
    StrategySpec,
    decision_document,
    route,
)
from leadrouter.domain.routing.optimizer import (
    Scored,
    contact_probability,
    expected_delay,
    win_probability,
)
from leadrouter.domain.routing.strategies import pick
from tests.support.routing_core import inputs, lead, license_, producer, roster

LIFE = DEFAULT_TYPES.get("life")


def spec(**kw):
    return StrategySpec("optimizer", optimizer=OptimizerSpec(**kw))


def learning(beliefs, seed=1, counts=None):
    counts = counts or {}
    return LearningInput(beliefs, counts, sum(counts.values()), random.Random(seed))


def choose(the_spec, pool, beliefs, *, loads=None, seed=1, counts=None):
    return pick(
        the_spec,
        pool,
        itype=LIFE,
        loads=loads or {},
        counts={},
        learning=learning(beliefs, seed, counts),
        lead_id=1,
    )


def test_the_probability_of_winning_a_draw_is_exact_for_equal_and_unequal_candidates():
    a = Scored(1, 0.1, 0.1, 0.02, 0.0)
    twin = Scored(2, 0.1, 0.1, 0.02, 0.0)
    assert win_probability(a, [twin]) == pytest.approx(0.5, abs=1e-6)
    # Difference of two normals: P(X1 > X2) = Phi(0.05 / sqrt(0.02^2 + 0.03^2)).
    b = Scored(2, 0.05, 0.05, 0.03, 0.0)
    assert win_probability(a, [b]) == pytest.approx(0.9171, abs=1e-3)
    three = [Scored(i, 0.1, 0.1, 0.02, 0.0) for i in range(3)]
    assert win_probability(three[0], three[1:]) == pytest.approx(1 / 3, abs=1e-5)


def test_the_logged_probability_matches_how_often_the_choice_is_made():
    pool = [producer(1), producer(2), producer(3)]
    beliefs = {1: Belief(20, 80), 2: Belief(15, 85), 3: Belief(3, 97)}
    wins: Counter[int] = Counter()
    logged: dict[int, float] = {}
    runs = 3000
    for seed in range(runs):
        c = choose(spec(exploration=0.1), pool, beliefs, seed=seed)
        wins[c.winner.id] += 1
        logged[c.winner.id] = c.propensity
    for pid, p in logged.items():
        assert wins[pid] / runs == pytest.approx(p, abs=0.03)
    assert logged[3] >= 0.1 / 3  # bounded exploration: everyone keeps a floor


def test_the_expected_value_of_the_top_candidates_is_in_the_explanation():
    pool = [producer(1), producer(2)]
    c = choose(spec(), pool, {1: Belief(30, 70), 2: Belief(10, 90)})
    assert "probability" in c.summary and "expected binds: #1 0.3" in c.summary
    assert c.parts[1]["posterior_mean"] == pytest.approx(0.3)
    assert 0 < c.propensity <= 1


def test_a_producer_near_the_cap_pays_a_shadow_price_and_gives_way():
    pool = [producer(1, max_daily=10), producer(2, max_daily=10)]
    beliefs = {1: Belief(300, 700), 2: Belief(270, 730)}
    fresh = choose(spec(exploration=0), pool, beliefs)
    assert fresh.winner.id == 1
    busy = choose(
        spec(exploration=0),
        pool,
        beliefs,
        loads={1: ProducerLoad(new_today=9), 2: ProducerLoad(new_today=1)},
    )
    assert busy.winner.id == 2
    assert busy.parts[1]["capacity_price"] > busy.parts[2]["capacity_price"]


def test_a_free_producer_beats_a_busy_stronger_one_when_the_wait_costs_more_than_the_skill():
    pool = [producer(1), producer(2)]
    fast = 120.0  # both usually call within two minutes
    one_waiting = {
        1: ProducerLoad(open_count=1, avg_response_seconds=fast),
        2: ProducerLoad(open_count=0, avg_response_seconds=fast),
    }
    # 0.30 against 0.25: a call ~14 minutes late keeps about 30 % of its value, so the
    # free producer wins although the busy one closes more of what they reach.
    close = {1: Belief(3000, 7000), 2: Belief(2500, 7500)}
    c = choose(spec(exploration=0), pool, close, loads=one_waiting)
    assert c.winner.id == 2
    assert c.parts[1]["expected_value"] < 0.35 * c.parts[1]["posterior_mean"]
    assert c.parts[2]["expected_value"] == pytest.approx(0.25)
    # A gap wider than the wait costs (0.30 against 0.05): the busy producer still wins.
    far = {1: Belief(3000, 7000), 2: Belief(500, 9500)}
    assert choose(spec(exploration=0), pool, far, loads=one_waiting).winner.id == 1
    # A producer still on the phone with their last contact is not free either.
    talking = {
        1: ProducerLoad(avg_response_seconds=fast),
        2: ProducerLoad(avg_response_seconds=fast, minutes_since_contact=1.0),
    }
    even = {1: Belief(2500, 7500), 2: Belief(3000, 7000)}
    assert choose(spec(exploration=0), pool, even, loads=talking).winner.id == 1
    # Without the speed-to-lead curve an open lead only costs its capacity price.
    flat = choose(spec(exploration=0, contact_curve=()), pool, close, loads=one_waiting)
    assert flat.winner.id == 1


def test_the_speed_to_lead_curve_follows_its_anchors_and_the_wait_adds_up():
    opt = OptimizerSpec(contact_rate=0.75)
    assert contact_probability(opt, 3.0) == pytest.approx(0.75)
    odds = 3.0 * 0.2  # x0.2 at 10 minutes
    assert contact_probability(opt, 10.0) == pytest.approx(odds / (1 + odds))
    assert contact_probability(opt, 90.0) == pytest.approx(0.03 / 1.03)
    assert contact_probability(opt, 20.0) < contact_probability(opt, 10.0)
    load = ProducerLoad(open_count=2, avg_response_seconds=240.0, minutes_since_contact=4.0)
    # 6 minutes left of the call in progress, then two waiting calls of 4 + 10 minutes
    # each, then this lead's 4 minutes.
    assert expected_delay(opt, load) == pytest.approx(6 + 2 * 14 + 4)
    assert expected_delay(opt, ProducerLoad()) == opt.response_minutes


def test_a_producer_at_the_ceiling_is_left_out_and_one_below_the_floor_goes_first():
    pool = [producer(1), producer(2), producer(3)]
    beliefs = {1: Belief(50, 50), 2: Belief(10, 90), 3: Belief(10, 90)}
    capped = choose(spec(max_share=0.5, exploration=0), pool, beliefs, counts={1: 10, 2: 5, 3: 4})
    assert capped.winner.id != 1 and "ceiling" in capped.refused[1]
    floor = choose(spec(min_share=0.2, exploration=0), pool, beliefs, counts={1: 16, 2: 3, 3: 5})
    assert floor.winner.id == 2  # 3 of 24 is below 20 %


def test_without_estimates_the_choice_is_still_reproducible_per_lead():
    pool = [producer(1), producer(2), producer(3)]
    a = pick(spec(), pool, itype=LIFE, loads={}, counts={}, learning=None, lead_id=5)
    b = pick(spec(), pool, itype=LIFE, loads={}, counts={}, learning=None, lead_id=5)
    assert a.winner == b.winner and a.propensity == b.propensity


def test_the_license_gate_runs_before_the_optimizer_whatever_it_believes():
    producers = [producer(1), producer(2)]
    licenses = [license_(1, 1, state="CA"), license_(2, 2, state="NV")]
    policy = RoutingPolicy(strategy=spec(), steps=())
    star = {1: Belief(1, 999), 2: Belief(999, 1)}  # the unlicensed one looks perfect
    for seed in range(30):
        inp = inputs(lead(state="CA"))
        inp = type(inp)(**{**inp.__dict__, "learning": learning(star, seed)})
        decision = route(roster(producers, licenses), inp, policy)
        assert decision.producer_id == 1
        assert decision.propensity == pytest.approx(1.0)
        assert decision_document(decision)["propensity"] == decision.propensity


def test_deterministic_strategies_log_probability_one():
    producers = [producer(1), producer(2)]
    licenses = [license_(1, 1), license_(2, 2)]
    decision = route(roster(producers, licenses), inputs(), RoutingPolicy())
    assert decision.propensity == 1.0
