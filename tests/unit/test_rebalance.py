"""The rebalancing monitor's arithmetic: drift from the pool, and the weight it proposes."""

from __future__ import annotations

from leadrouter.learning.rebalance import Counts, drifts, policy_fragment, proposals

CELLS = {
    (1, "high"): Counts(leads=20, contacted=19, quoted=12, bound=8, lost=8),  # closes 50%
    (2, "high"): Counts(leads=20, contacted=18, quoted=8, bound=2, lost=14),  # closes 12.5%
    (3, "high"): Counts(leads=4, contacted=0, quoted=0, bound=0, lost=4),  # too few to judge
    (1, "low"): Counts(leads=30, contacted=20, quoted=5, bound=1, lost=20),
}


def test_a_producer_closing_far_below_the_pool_drifts_and_a_small_sample_does_not() -> None:
    found = drifts(CELLS, threshold=0.10, min_leads=10)
    keys = {(d.producer_id, d.tier, d.metric) for d in found}
    assert (2, "high", "close_rate") in keys
    assert (1, "high", "close_rate") in keys  # above the pool drifts too
    assert not any(d.producer_id == 3 for d in found)
    assert not any(d.tier == "low" for d in found)  # alone in its pool: no gap


def test_the_proposal_scales_the_weight_by_close_rate_against_the_pool_within_bounds() -> None:
    found = drifts(CELLS, threshold=0.10, min_leads=10)
    by_producer = {p.producer_id: p for p in proposals(found, {1: 1.0, 2: 2.0, 3: 1.0})}
    pool_close = 10 / 40
    assert by_producer[2].because.metric == "close_rate"
    assert by_producer[2].proposed_weight == round(2.0 * max(0.5, 0.125 / pool_close), 2)
    assert by_producer[1].proposed_weight == 1.5  # 0.5 / 0.25 = 2, bounded to 1.5


def test_the_fragment_is_a_weighted_round_robin_for_the_tier_keeping_other_weights() -> None:
    found = proposals(drifts(CELLS, threshold=0.10, min_leads=10), {1: 1.0, 2: 2.0, 3: 1.0})
    fragment = policy_fragment(found, {1: 1.0, 2: 2.0, 3: 1.0})
    strategy = fragment["routing"]["tiers"]["high"]["strategy"]
    assert strategy["type"] == "weighted_round_robin"
    assert strategy["weights"] == {1: 1.5, 2: 1.0, 3: 1.0}
