"""The weighted score's rounding: ``round6`` gives what ``round(x, 6)`` gives, for every float."""

from __future__ import annotations

import math
import struct

from hypothesis import example, given
from hypothesis import strategies as st

from leadrouter.domain.routing.strategies import round6


def same(a: float, b: float) -> bool:
    """Equal as floats, sign of zero and NaN included."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@given(st.floats(allow_nan=True, allow_infinity=True))
@example(0.0)
@example(-0.0)
@example(5e-324)
@example(5e-7)
@example(2.5e-6)
@example(15.9999995)
@example(16.0)
def test_round6_equals_round_to_six_places_for_any_float(x: float) -> None:
    assert same(round6(x), round(x, 6))


@given(st.integers(min_value=0, max_value=16_000_000), st.integers(min_value=-4, max_value=4))
def test_round6_equals_round_next_to_a_tie(k: int, steps: int) -> None:
    """Halfway between two 6-place decimals, and a few floats either side of it."""
    x = (k + 0.5) / 1e6
    for _ in range(abs(steps)):
        x = math.nextafter(x, math.inf if steps > 0 else -math.inf)
    assert same(round6(x), round(x, 6))


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_round6_equals_round_for_any_bit_pattern(bits: int) -> None:
    (x,) = struct.unpack("<d", bits.to_bytes(8, "little"))
    assert same(round6(x), round(x, 6))


@given(st.floats(min_value=0.0, max_value=1.0))
def test_round6_equals_round_for_scores_in_the_unit_interval(x: float) -> None:
    assert same(round6(x), round(x, 6))
