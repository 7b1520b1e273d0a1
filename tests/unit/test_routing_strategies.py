"""Strategies: round robin, weighted round robin, least loaded, weighted score; tie-breaks."""

from __future__ import annotations

import pytest

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.routing import ProducerLoad, RoutingPolicy, StrategySpec, route
from leadrouter.domain.routing.strategies import pick, score_parts
from tests.support.routing_core import inputs, license_, producer, roster

LIFE = DEFAULT_TYPES.get("life")


def pool(n=3, **kw):
    return [producer(i, **kw) for i in range(1, n + 1)]


def choose(kind, producers, *, loads=None, counts=None, **kw):
    return pick(
        StrategySpec(kind, **kw), producers, itype=LIFE, loads=loads or {}, counts=counts or {}
    )


def test_round_robin_picks_the_fewest_leads_in_the_pool():
    assert choose("round_robin", pool(), counts={1: 4, 2: 2, 3: 3}).winner.id == 2


def test_round_robin_tie_goes_to_the_lowest_producer_id_and_is_stated():
    c = choose("round_robin", pool(), counts={1: 4, 2: 2, 3: 2})
    assert c.winner.id == 2
    assert c.tie_break == "#2, #3 tied at 2; lowest producer id → #2"


def test_a_newcomer_to_the_pool_counts_as_the_current_minimum_and_is_not_flooded():
    c = choose("round_robin", pool(), counts={1: 40, 2: 30})
    assert c.scores[3] == 30.0  # not 0: it would otherwise take the next 30 leads
    assert c.winner.id == 2


def test_weighted_round_robin_gives_leads_in_proportion_to_weight():
    producers = [producer(1, weight=3), producer(2, weight=1)]
    counts = {1: 0, 2: 0}
    for _ in range(40):
        winner = choose("weighted_round_robin", producers, counts=counts).winner.id
        counts[winner] += 1
    assert counts == {1: 30, 2: 10}


def test_weighted_round_robin_policy_weights_override_the_producer_weight():
    producers = [producer(1, weight=1), producer(2, weight=1)]
    c = choose("weighted_round_robin", producers, counts={1: 2, 2: 1}, producer_weights={1: 4})
    assert c.winner.id == 1 and c.scores[1] == 0.5


def test_weight_zero_takes_nothing_and_says_why():
    producers = [producer(1, weight=0), producer(2)]
    c = choose("weighted_round_robin", producers)
    assert c.winner.id == 2 and c.refused[1] == "weight 0 in weighted round robin"
    assert choose("weighted_round_robin", [producer(1, weight=0)]).winner is None


def test_least_loaded_picks_the_fewest_open_leads_then_rotation_then_id():
    loads = {
        1: ProducerLoad(open_count=5),
        2: ProducerLoad(open_count=2),
        3: ProducerLoad(open_count=2),
    }
    assert choose("least_loaded", pool(), loads=loads, counts={2: 7, 3: 1}).winner.id == 3
    assert choose("least_loaded", pool(), loads=loads).winner.id == 2


def test_weighted_score_parts_are_normalized_as_stated():
    producers = [
        producer(1, max_open=10, business_lines=frozenset({"life"})),
        producer(2, business_lines=frozenset({"personal"})),
        producer(3),
    ]
    loads = {
        1: ProducerLoad(open_count=5, close_rate=0.2, avg_response_seconds=60),
        2: ProducerLoad(open_count=10, close_rate=0.1, avg_response_seconds=240),
    }
    annuity = DEFAULT_TYPES.get("annuity")  # business line "life": 0.8 for a life specialist
    parts = score_parts(StrategySpec(), producers, itype=annuity, loads=loads)
    assert parts[1] == {
        "capacity": 0.5,
        "specialization": 0.8,
        "close_rate": 1.0,
        "response_speed": 1.0,
    }
    assert parts[2]["capacity"] == 0.5  # 10 open of the 20 reference for an uncapped producer
    assert parts[2]["specialization"] == 0.0
    assert parts[2]["close_rate"] == 0.5
    assert parts[2]["response_speed"] == pytest.approx(120 / 300)
    assert parts[3]["specialization"] == 0.3  # a generalist
    assert parts[3]["close_rate"] == 0.75  # unknown: the pool's mean
    assert parts[3]["capacity"] == 1.0
    exact = score_parts(StrategySpec(), producers, itype=LIFE, loads=loads)
    assert exact[1]["specialization"] == 1.0  # sells the insurance type itself


def test_weighted_score_uses_the_default_weights_30_35_25_10():
    loads = {
        1: ProducerLoad(open_count=4, close_rate=0.6, avg_response_seconds=300),
        2: ProducerLoad(open_count=12, close_rate=0.2, avg_response_seconds=60),
    }
    producers = [producer(1, business_lines=frozenset({"life"})), producer(2)]
    chosen = choose("weighted_score", producers, loads=loads)
    assert len(set(chosen.parts[2].values())) == 4  # distinct parts: any swap of weights shows
    for pid, p in chosen.parts.items():
        expected = (
            0.30 * p["capacity"]
            + 0.35 * p["specialization"]
            + 0.25 * p["close_rate"]
            + 0.10 * p["response_speed"]
        )
        assert chosen.scores[pid] == round(expected, 6)


def test_weighted_score_weights_are_configurable():
    only_capacity = {
        "capacity": 1.0,
        "specialization": 0.0,
        "close_rate": 0.0,
        "response_speed": 0.0,
    }
    loads = {1: ProducerLoad(open_count=9), 2: ProducerLoad(open_count=1)}
    producers = [producer(1, business_lines=frozenset({"life"})), producer(2)]
    assert choose("weighted_score", producers, loads=loads).winner.id == 1
    assert (
        choose("weighted_score", producers, loads=loads, score_weights=only_capacity).winner.id == 2
    )


def test_weighted_score_tie_goes_to_fewer_leads_in_pool_then_lowest_id():
    c = choose("weighted_score", pool(), counts={1: 5, 2: 3, 3: 3})
    assert c.winner.id == 2
    assert c.tie_break.endswith("fewest leads in this pool, then lowest producer id → #2")


def test_the_decision_carries_scores_and_parts_for_every_survivor():
    ps = pool()
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    d = route(r, inputs(), RoutingPolicy())
    assert d.strategy == "weighted_score" and d.pool == "all:weighted_score"
    assert all(
        n.score is not None
        and set(n.score_parts) == {"capacity", "specialization", "close_rate", "response_speed"}
        for n in d.candidates
    )
    assert d.tie_break is not None


def test_rotation_counts_are_read_from_the_pool_key_of_the_decision():
    ps = pool()
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    policy = RoutingPolicy(strategy=StrategySpec("round_robin"))
    rotation = {"all:round_robin": {1: 3, 2: 3, 3: 2}, "other:round_robin": {3: 100}}
    assert route(r, inputs(rotation=rotation), policy).producer_id == 3


def test_weighted_score_tie_goes_to_fewest_leads_in_the_pool_then_lowest_id():
    producers = [producer(1), producer(2), producer(3), producer(4)]
    loads = {4: ProducerLoad(open_count=10)}  # less headroom: a lower score, never tied
    c = choose("weighted_score", producers, loads=loads, counts={1: 5, 2: 3, 4: 4})
    assert c.winner.id == 2  # #3 is new to the pool: it counts as the minimum, 3; then by id
    assert c.tie_break == (
        "#1, #2, #3 tied at 0.58; fewest leads in this pool, then lowest producer id → #2"
    )
    assert choose("weighted_score", producers[:1]).tie_break is None
