"""Money on the pages: whole dollars, rounded as people round money (half a dollar up)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadrouter.web.templating import money


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1250.50"), "$1,251"),  # a quoted premium as stored (half to even: $1,250)
        (1250.5, "$1,251"),
        (1251.5, "$1,252"),
        (Decimal("1250.49"), "$1,250"),
        (14200, "$14,200"),
        (1234567.891, "$1,234,568"),
        (None, "-"),
    ],
)
def test_money_shows_whole_dollars_rounding_half_up(
    value: Decimal | float | None, shown: str
) -> None:
    assert money(value) == shown
