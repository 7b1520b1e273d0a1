"""Two small pure rules the time engine's edges need: retry backoff and SMS opt-out keywords."""

from __future__ import annotations

import random
import string
from datetime import timedelta

# CTIA's standard opt-out keywords, plus the words the FCC's 2024 revocation rule names
# (REVOKE, OPT OUT) so that a consumer's plain request is honored too.
STOP_KEYWORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "OPT OUT",
    }
)
_TRIM = string.whitespace + string.punctuation


def backoff(
    attempt: int,
    base_seconds: float = 30,
    cap_seconds: float = 3600,
    jitter_fraction: float = 0.2,
    rng: random.Random | None = None,
) -> timedelta:
    """Wait before retry ``attempt`` (1-based): base·2^(attempt-1), capped, minus some jitter."""
    if attempt < 1:
        raise ValueError("attempts are counted from 1")
    if not 0 <= jitter_fraction <= 1:
        raise ValueError("jitter_fraction lies between 0 and 1")
    delay = min(cap_seconds, base_seconds * 2 ** min(attempt - 1, 62))
    if rng is not None and jitter_fraction:
        # Only ever shorter, so the cap holds and concurrent retries spread out.
        delay *= 1 - jitter_fraction * rng.random()
    return timedelta(seconds=delay)


def is_stop_keyword(text: str) -> bool:
    """True when an inbound text is an opt-out request (STOP, QUIT, ... alone, any case)."""
    words = text.strip(_TRIM).upper().split()
    return " ".join(words) in STOP_KEYWORDS
