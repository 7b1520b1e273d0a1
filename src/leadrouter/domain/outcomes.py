"""Why a lead was lost: the reasons a person picks from, so reports can count them."""

from __future__ import annotations

from typing import Literal, get_args

LostReason = Literal[
    "price",
    "coverage",
    "carrier_declined",
    "went_elsewhere",
    "not_interested",
    "no_contact",
    "not_eligible",
    "duplicate",
    "other",
]
LOST_REASONS: tuple[str, ...] = get_args(LostReason)
