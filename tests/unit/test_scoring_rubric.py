"""The default intent rubric: events become signals, signals become points and a tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadrouter.domain.scoring import (
    DEFAULT_RUBRIC,
    DEFAULT_WEIGHTS,
    BehaviorEvent,
    Rubric,
    Signals,
    score,
    signals_from_events,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HIGH_SIGNALS = ("quote_request", "pricing_view", "repeat_visit", "referral_personal")
LOW_SIGNALS = ("email_open", "visit", "deep_visit", "answer", "referral_site")


def at(minutes_ago: float) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def test_each_high_intent_signal_weighs_at_least_three_times_each_low_one() -> None:
    lowest_high = min(DEFAULT_WEIGHTS[s] for s in HIGH_SIGNALS)
    highest_low = max(DEFAULT_WEIGHTS[s] for s in LOW_SIGNALS)
    assert lowest_high >= 3 * highest_low


def test_pricing_page_visit_and_quote_request_make_a_high_intent_lead() -> None:
    events = [
        BehaviorEvent("page_view", at(30), {"page": "/auto/pricing", "seconds": 90}),
        BehaviorEvent("quote_started", at(25)),
    ]
    result = score(signals_from_events(events, now=NOW))
    assert result.tier == "high"
    assert dict(result.contributions)["quote_request"] == 9.0
    assert dict(result.contributions)["pricing_view"] == 9.0


def test_a_single_page_bounce_is_a_low_intent_lead() -> None:
    events = [BehaviorEvent("page_view", at(10), {"page": "/blog/tips", "seconds": 8})]
    signals = signals_from_events(events, now=NOW)
    assert signals.bounces == 1
    assert score(signals).tier == "low"


def test_email_engagement_and_a_download_make_a_medium_intent_lead() -> None:
    events = [
        BehaviorEvent("email_opened", at(300)),
        BehaviorEvent("email_clicked", at(290)),
        BehaviorEvent("download", at(280), {"asset": "rate guide"}),
    ]
    assert score(signals_from_events(events, now=NOW)).tier == "medium"


def test_page_views_group_into_visits_and_a_return_within_three_days_is_a_repeat_visit() -> None:
    events = [
        BehaviorEvent("page_view", at(60 * 24 * 6), {"seconds": 60}),  # six days ago
        BehaviorEvent("page_view", at(60 * 24 * 2), {"seconds": 60}),  # two days ago
        BehaviorEvent("page_view", at(60 * 24 * 2 - 10), {"seconds": 60}),  # same visit
        BehaviorEvent("visit", at(60), {"pages": 4, "seconds": 300}),
    ]
    signals = signals_from_events(events, now=NOW)
    assert signals.visits == 3
    assert signals.repeat_visits == 1  # 6d → 2d is too far apart; 2d → 1h is a repeat
    assert signals.seconds_on_site == 480
    assert signals.pages_per_visit == 7 / 3


def test_events_after_now_do_not_count() -> None:
    events = [BehaviorEvent("quote_request", NOW + timedelta(minutes=1))]
    assert signals_from_events(events, now=NOW).quote_requests == 0


def test_opting_out_of_email_and_a_site_referral_lower_and_barely_raise_the_score() -> None:
    plain = score(Signals(visits=1, seconds_on_site=120)).score
    assert score(Signals(visits=1, seconds_on_site=120, opted_out=True)).score < plain
    assert score(Signals(visits=1, seconds_on_site=120, referral="site")).score == plain + 1


def test_a_rubric_document_reads_back_the_same_rubric() -> None:
    fitted = Rubric(DEFAULT_WEIGHTS, 10.0, 4.0, version=3, intercept=-1.5, slope=0.2)
    assert Rubric.from_document(fitted.to_document()) == fitted
    assert Rubric.from_document(DEFAULT_RUBRIC.to_document()) == DEFAULT_RUBRIC
    assert fitted.probability(7.5) == 0.5
    assert DEFAULT_RUBRIC.probability(7.5) is None
