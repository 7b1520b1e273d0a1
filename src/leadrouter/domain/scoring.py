"""Behavioral intent: from what a prospect did to a score and a tier (high / medium / low).

Three layers, all pure:
- ``signals_from_events`` reads a lead's events (page views, visits, quote requests, email
  opens and clicks, gated downloads, form answers, unsubscribes) into ``Signals``;
- ``rubric_features`` turns signals into a fixed set of capped features;
- a ``Rubric`` weighs the features into points and cuts the points into tiers.

The default rubric (docs/scoring.md) weighs each high-intent signal 9 points, each medium one
3 and each low one 1, so high weighs three times medium and nine times low. ``learn intent``
refits the weights and cut-points from the agency's outcomes; the result is another
``Rubric`` version with the same features, so a score always says which version made it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

Tier = Literal["high", "medium", "low"]
TIERS: tuple[Tier, ...] = ("low", "medium", "high")

SESSION_GAP = timedelta(minutes=30)  # page views further apart start a new visit
REPEAT_WINDOW = timedelta(days=3)  # a return within this window counts as a repeat visit
BOUNCE_SECONDS = 30.0

QUOTE_EVENTS = frozenset(
    {"quote_request", "quote_requested", "quote_started", "quote_completed", "callback_request"}
)
PRICING_WORDS = ("pricing", "price", "rates", "quote")
EMAIL_OPEN_EVENTS = frozenset({"email_open", "email_opened", "sms_open"})
EMAIL_CLICK_EVENTS = frozenset({"email_click", "email_clicked", "sms_click", "sms_reply"})
DOWNLOAD_EVENTS = frozenset({"download", "gated_download"})
OPT_OUT_EVENTS = frozenset({"unsubscribe", "email_opt_out"})
REFERRALS = ("personal", "partner", "site")
QUEUE_PRIORITY = {"high": 30, "medium": 20, "low": 10}  # a queued lead's place by its tier


@dataclass(frozen=True)
class BehaviorEvent:
    """One thing the prospect did: the stored event's type, instant and data."""

    type: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Signals:
    """What a lead's behavior says, counted; the vocabulary both rubric and model read."""

    quote_requests: int = 0
    pricing_views: int = 0
    visits: int = 0
    repeat_visits: int = 0
    bounces: int = 0
    seconds_on_site: float = 0.0
    pages_per_visit: float = 0.0
    email_opens: int = 0
    email_clicks: int = 0
    downloads: int = 0
    answers: int = 0  # qualifying questions the prospect answered on the form
    referral: str | None = None  # personal (a client sent them), partner, site (traffic)
    opted_out: bool = False


@dataclass
class _Visit:
    start: datetime
    end: datetime
    pages: int = 0
    seconds: float = 0.0


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _visits(events: list[BehaviorEvent]) -> list[_Visit]:
    """Explicit ``visit`` events plus ``page_view`` events grouped by inactivity gaps."""
    found: list[_Visit] = []
    current: _Visit | None = None
    for e in events:
        if e.type == "visit":
            pages = int(_number(e.data, "pages")) or 1
            found.append(_Visit(e.at, e.at, pages, _number(e.data, "seconds")))
        elif e.type == "page_view":
            if current is None or e.at - current.end > SESSION_GAP:
                current = _Visit(e.at, e.at)
                found.append(current)
            current.end = e.at
            current.pages += 1
            current.seconds += _number(e.data, "seconds")
    return sorted(found, key=lambda v: v.start)


def _answers(data: Mapping[str, Any]) -> int:
    answered = data.get("answered")
    if isinstance(answered, int) and not isinstance(answered, bool):
        return max(0, answered)
    answers = data.get("answers")
    if isinstance(answers, Mapping):
        return sum(1 for v in answers.values() if v not in (None, "", "Select"))
    if isinstance(answers, list):
        return len(answers)
    return 0


def _is_pricing(e: BehaviorEvent) -> bool:
    if e.type == "pricing_view":
        return True
    page = e.data.get("page") or e.data.get("url") or ""
    return e.type == "page_view" and any(w in str(page).lower() for w in PRICING_WORDS)


def signals_from_events(
    events: Iterable[BehaviorEvent], *, referral: str | None = None, now: datetime
) -> Signals:
    """Count a lead's events up to ``now`` into signals (later events are ignored)."""
    seen = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    visits = _visits(seen)
    repeats = sum(1 for a, b in itertools.pairwise(visits) if b.start - a.start <= REPEAT_WINDOW)
    pages = sum(v.pages for v in visits)
    kinds = [e.type for e in seen]
    answers = max((_answers(e.data) for e in seen if e.type == "form_submit"), default=0)
    for e in seen:
        if e.type == "referral" and e.data.get("kind") in REFERRALS:
            referral = str(e.data["kind"])
    return Signals(
        quote_requests=sum(1 for k in kinds if k in QUOTE_EVENTS),
        pricing_views=sum(1 for e in seen if _is_pricing(e)),
        visits=len(visits),
        repeat_visits=repeats,
        bounces=sum(1 for v in visits if v.pages <= 1 and v.seconds < BOUNCE_SECONDS),
        seconds_on_site=sum(v.seconds for v in visits),
        pages_per_visit=pages / len(visits) if visits else 0.0,
        email_opens=sum(1 for k in kinds if k in EMAIL_OPEN_EVENTS),
        email_clicks=sum(1 for k in kinds if k in EMAIL_CLICK_EVENTS),
        downloads=sum(1 for k in kinds if k in DOWNLOAD_EVENTS),
        answers=answers,
        referral=referral if referral in REFERRALS else None,
        opted_out=any(k in OPT_OUT_EVENTS for k in kinds),
    )


def rubric_features(s: Signals) -> dict[str, float]:
    """The capped features a rubric weighs; caps keep one noisy signal from dominating."""
    engaged = min(s.seconds_on_site / 60.0, 15.0) / 5.0  # 0..3, one unit per 5 minutes
    return {
        "quote_request": float(min(s.quote_requests, 1)),
        "pricing_view": float(min(s.pricing_views, 2)),
        "repeat_visit": float(min(s.repeat_visits, 2)),
        "referral_personal": float(s.referral == "personal"),
        "engaged_time": engaged,
        "email_click": float(min(s.email_clicks, 2)),
        "download": float(min(s.downloads, 1)),
        "referral_partner": float(s.referral == "partner"),
        "email_open": float(min(s.email_opens, 3)),
        "visit": float(min(s.visits, 1)),  # coming back counts as repeat_visit
        "deep_visit": float(s.pages_per_visit >= 3.0),
        "answer": float(min(s.answers, 5)),
        "referral_site": float(s.referral == "site"),
        "bounce": float(min(s.bounces, 2)),
        "opted_out": float(s.opted_out),
    }


FEATURES: tuple[str, ...] = tuple(rubric_features(Signals()))
HIGH, MEDIUM, LOW = 9.0, 3.0, 1.0

DEFAULT_WEIGHTS: dict[str, float] = {
    # high intent: asking for a price, looking at prices, coming back, a client's referral
    "quote_request": HIGH,
    "pricing_view": HIGH,
    "repeat_visit": HIGH,
    "referral_personal": HIGH,
    # medium intent: reading and engaging
    "engaged_time": MEDIUM,
    "email_click": MEDIUM,
    "download": MEDIUM,
    "referral_partner": MEDIUM,
    # low intent: being there
    "email_open": LOW,
    "visit": LOW,
    "deep_visit": LOW,
    "answer": LOW,
    "referral_site": LOW,
    # against intent
    "bounce": -MEDIUM,
    "opted_out": -MEDIUM,
}


@dataclass(frozen=True)
class Rubric:
    """Weights per feature and the two cut-points; version 0 is the built-in default."""

    weights: Mapping[str, float]
    high_at: float
    medium_at: float
    version: int = 0
    # log-odds of conversion = intercept + slope * points, when fitted from outcomes
    intercept: float | None = None
    slope: float | None = None

    def to_document(self) -> dict[str, Any]:
        """A JSON-ready form, for the rubric table and the docs."""
        return {
            "version": self.version,
            "weights": dict(self.weights),
            "high_at": self.high_at,
            "medium_at": self.medium_at,
            "intercept": self.intercept,
            "slope": self.slope,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Rubric:
        """Read a rubric back; unknown features are ignored, missing ones weigh 0."""
        weights = {k: float(doc["weights"].get(k, 0.0)) for k in FEATURES}
        intercept, slope = doc.get("intercept"), doc.get("slope")
        return cls(
            weights,
            float(doc["high_at"]),
            float(doc["medium_at"]),
            int(doc["version"]),
            None if intercept is None else float(intercept),
            None if slope is None else float(slope),
        )

    def probability(self, points: float) -> float | None:
        """The conversion probability the fitted rubric gives these points (None: unfitted)."""
        if self.intercept is None or self.slope is None:
            return None
        z = max(-30.0, min(30.0, self.intercept + self.slope * points))
        return 1.0 / (1.0 + math.exp(-z))

    def with_version(self, version: int) -> Rubric:
        """The same rubric stored under another version number."""
        return replace(self, version=version)


DEFAULT_RUBRIC = Rubric(DEFAULT_WEIGHTS, high_at=12.0, medium_at=5.0)


@dataclass(frozen=True)
class IntentScore:
    """A lead's points, tier, the rubric version and what contributed the points."""

    score: float
    tier: Tier
    rubric_version: int
    contributions: tuple[tuple[str, float], ...]


def tier_for(score: float, rubric: Rubric) -> Tier:
    """The tier a score falls in under the rubric's cut-points."""
    if score >= rubric.high_at:
        return "high"
    return "medium" if score >= rubric.medium_at else "low"


def score(signals: Signals, rubric: Rubric = DEFAULT_RUBRIC) -> IntentScore:
    """Weigh signals by a rubric: points, tier, non-zero contributions (largest first)."""
    parts = [
        (name, round(rubric.weights.get(name, 0.0) * value, 3))
        for name, value in rubric_features(signals).items()
    ]
    total = round(sum(p for _, p in parts), 3)
    kept = sorted((p for p in parts if p[1] != 0), key=lambda p: -abs(p[1]))
    return IntentScore(total, tier_for(total, rubric), rubric.version, tuple(kept))


def tier_changed(before: str | None, after: IntentScore) -> bool:
    """Whether a recomputed score moves the lead to another tier."""
    return before != after.tier
