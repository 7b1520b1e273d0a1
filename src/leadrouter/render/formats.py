"""How figures read in a report: percentages, minutes, money."""

from __future__ import annotations

from decimal import Decimal


def pct(value: float | None) -> str:
    """0.4567 → "45.7%"; a rate without a denominator → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


def minutes(seconds: float | None) -> str:
    """Seconds as minutes ("4.5 min"), or "—"."""
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def dollars(amount: Decimal | None) -> str:
    """$12,345.67, or "—"."""
    return "—" if amount is None else f"${amount:,.2f}"
