"""Synthetic, valid lead bodies for benchmarks: real ZIPs, valid US numbers, unique contacts."""

from __future__ import annotations

import random
from typing import Any

ZIPS = ["10001", "10011", "10016", "10024", "10128", "10154", "10280", "10301", "10314"]
TYPES = ["personal_auto", "home", "renters", "umbrella", "general_liability", "bop"]
AREA_CODES = ["212", "646", "718", "917", "347"]


def lead_body(i: int, rng: random.Random) -> dict[str, Any]:
    """The i-th lead of a run: unique phone and email, so no two are duplicates."""
    area = rng.choice(AREA_CODES)
    exchange = 200 + (i // 10_000) % 700
    line = i % 10_000
    return {
        "first_name": "Bench",
        "last_name": f"Lead{i}",
        "email": f"bench.lead{i}.{rng.randrange(10**6)}@example.com",
        "phone": f"({area}) {exchange}-{line:04d}",
        "zip": rng.choice(ZIPS),
        "insurance_type": rng.choice(TYPES),
        "attributes": {"utm_source": "bench", "pages": rng.randrange(1, 12)},
    }
