"""Medians and speed buckets from response-time counts agree with the plain definitions."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadrouter.store.figures import Figures, rollup
from leadrouter.store.response_times import histogram, median, merged

seconds = st.lists(st.integers(min_value=0, max_value=20000), max_size=60)


@pytest.mark.slow  # many generated examples
@given(seconds, seconds)
def test_the_median_of_merged_counts_is_the_median_of_all_the_values(
    a: list[int], b: list[int]
) -> None:
    got = median(merged([Counter(a), Counter(b)]))
    assert got == (statistics.median(a + b) if a + b else None)


@given(seconds, st.integers(min_value=0, max_value=5))
def test_every_lead_lands_in_exactly_one_speed_bucket(values: list[int], never: int) -> None:
    bars = dict(histogram(Counter(values), never))
    assert sum(bars.values()) == len(values) + never
    assert bars["≤ 5 min"] == sum(1 for v in values if v <= 300)
    assert bars["> 4 h"] == sum(1 for v in values if v > 14400)
    assert bars["never"] == never


def test_figures_of_finer_groups_roll_up_into_coarser_ones() -> None:
    a = Figures(leads=3, contacted=2, bound=1, lost=1)
    b = Figures(leads=2, contacted=2, quoted=1)
    fine = {(1, "home"): a, (1, "auto"): b, (2, "home"): a}
    assert rollup(fine, 0) == {(1,): a + b, (2,): a}
    assert (a + b).leads == 5 and (a + b).close_rate == 0.5
    assert rollup(fine, 1)[("home",)].contacted == 4
