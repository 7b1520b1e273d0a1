from __future__ import annotations

import random
from datetime import timedelta

import pytest

from leadrouter.domain.timers import backoff, is_stop_keyword


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_jitter_only_shortens_the_wait_and_stays_within_its_fraction() -> None:
    rng = random.Random(7)
    for attempt in range(1, 12):
        plain = backoff(attempt)
        jittered = backoff(attempt, jitter_fraction=0.25, rng=rng)
        assert plain * 0.75 <= jittered <= plain
    assert backoff(100, cap_seconds=60) == timedelta(seconds=60)


def test_backoff_refuses_attempt_zero() -> None:
    with pytest.raises(ValueError):
        backoff(0)


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit!",
        "opt out",
        "Revoke",
    ],
)
def test_the_opt_out_keywords_are_understood_in_any_case(text: str) -> None:
    assert is_stop_keyword(text)


@pytest.mark.parametrize(
    "text",
    ["", "stop by tomorrow?", "End of day works", "Yes please call", "unstop", "START"],
)
def test_ordinary_replies_are_not_opt_outs(text: str) -> None:
    assert not is_stop_keyword(text)
