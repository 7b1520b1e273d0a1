"""Rate limits: token buckets per public form key, per client address and per API key.

The buckets live in the process. That is exact for the default deployment (SQLite, one API
process); with N API processes behind a balancer each keeps its own buckets, so the
effective limit is up to N times the setting (docs/security.md). A bucket holds one minute's
allowance and refills continuously, so a burst of that size passes and then the steady rate.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from leadrouter.config import Settings
from leadrouter.errors import TooManyRequests

MAX_KEYS = 100_000  # distinct callers remembered; full buckets are forgotten first


@dataclass
class TokenBuckets:
    """One bucket per key, each ``per_minute`` tokens deep, refilled at that rate."""

    per_minute: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, now: float) -> float | None:
        """Spend a token of ``key``'s bucket at ``now`` (seconds); else seconds until one."""
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + max(0.0, now - at) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_KEYS:
                self._forget_full(now)
            return None

    def _forget_full(self, now: float) -> None:
        rate = self.per_minute / 60.0
        full = [
            k for k, (t, at) in self._buckets.items() if t + (now - at) * rate >= self.per_minute
        ]
        for k in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[k]


@dataclass
class RateLimits:
    """The buckets one API process keeps."""

    form: TokenBuckets
    form_client: TokenBuckets
    api_key: TokenBuckets

    def check_form(self, *, form_key: str, client: str, now: float) -> None:
        """Refuse (429) a public form post over its form's or its client's rate."""
        _check(self.form.take(form_key, now), "this form")
        _check(self.form_client.take(f"{form_key}|{client}", now), "this form from your address")

    def check_key(self, *, key_id: int, now: float) -> None:
        """Refuse (429) a request over its API key's rate."""
        _check(self.api_key.take(str(key_id), now), "this API key")


def _check(wait: float | None, what: str) -> None:
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"too many requests for {what}; try again in {seconds} s", retry_after=seconds
        )


def rate_limits(settings: Settings) -> RateLimits:
    """Fresh buckets at the configured rates."""
    return RateLimits(
        form=TokenBuckets(settings.form_rate_per_minute),
        form_client=TokenBuckets(settings.form_rate_per_client_per_minute),
        api_key=TokenBuckets(settings.api_rate_per_minute),
    )
