from __future__ import annotations

from datetime import time, timedelta

import pytest
import yaml
from pydantic import ValidationError

from leadrouter.domain.timer_policy import (
    CadenceAction,
    Channel,
    EscalationAction,
    TimingRules,
    format_duration,
    parse_duration,
)
from leadrouter.policy.timing import TimingPolicy


def test_an_empty_timing_section_means_the_issues_defaults() -> None:
    rules = TimingPolicy.model_validate({}).to_domain()
    assert rules == TimingRules()
    assert [(r.after, r.action, r.channels) for r in rules.escalation] == [
        (timedelta(minutes=5), EscalationAction.ALERT_PRODUCER, (Channel.INAPP,)),
        (timedelta(minutes=15), EscalationAction.WARN_PRODUCER, (Channel.SMS, Channel.EMAIL)),
        (timedelta(minutes=30), EscalationAction.REASSIGN, (Channel.INAPP, Channel.EMAIL)),
        (timedelta(hours=1), EscalationAction.ALERT_MANAGER, (Channel.INAPP, Channel.EMAIL)),
    ]
    assert [(s.at, s.action) for s in rules.cadence if s.action == CadenceAction.CALL_REMINDER] == [
        (timedelta(hours=h), CadenceAction.CALL_REMINDER) for h in (1, 4, 24, 48)
    ]
    assert rules.cadence[-1].repeat == timedelta(days=30)
    assert (rules.contact_hours.start, rules.contact_hours.end) == (time(8), time(21))
    assert rules.acceptance.required is False


def test_a_yaml_timing_section_reads_and_writes_back_the_same() -> None:
    text = """
escalation:
  - {after: 3m, action: alert_producer}
  - {after: 1h30m, action: alert_manager, channels: [email]}
acceptance: {required: true, within_seconds: 90}
cadence:
  - {at: 0, action: notify_producer}
  - {at: 10m, action: sms_consumer, template: hello_sms}
  - {at: 30d, action: nurture_email, repeat: monthly}
contact_hours: {start: "09:00", end: "20:30"}
"""
    policy = TimingPolicy.model_validate(yaml.safe_load(text))
    rules = policy.to_domain()
    assert rules.escalation[1].after == timedelta(hours=1, minutes=30)
    assert rules.acceptance.within == timedelta(seconds=90)
    assert rules.cadence[1].template == "hello_sms"
    assert rules.contact_hours.end == time(20, 30)
    dumped = policy.model_dump(mode="json")
    assert dumped["escalation"][1]["after"] == "90m"
    assert dumped["cadence"][2]["repeat"] == "30d"
    assert TimingPolicy.model_validate(dumped) == policy


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"escalation": [{"after": "5 minutes", "action": "alert_producer"}]}, "not a duration"),
        ({"escalation": [{"after": "5m", "action": "shout"}]}, "action"),
        ({"cadence": [{"at": "1d", "action": "nurture_email", "repeat": "0s"}]}, "positive"),
        ({"contact_hours": {"start": "21:00", "end": "08:00"}}, "start before"),
        ({"acceptance": {"required": True, "within_seconds": 0}}, "within_seconds"),
        (
            {
                "cadence": [
                    {"at": "5m", "action": "sms_consumer"},
                    {"at": 300, "action": "sms_consumer"},
                ]
            },
            "cad:sms_consumer:5m",
        ),
        ({"escalaton": []}, "escalaton"),
    ],
)
def test_a_bad_timing_section_is_refused_with_a_reason(document: dict, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        TimingPolicy.model_validate(document)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("1h", 3600),
        ("1h30m", 5400),
        ("7d", 604800),
        ("2w", 1209600),
        ("monthly", 2592000),
        ("45", 45),
        (" 5 M ", 300),
    ],
)
def test_durations_read_the_short_forms(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_durations_write_their_largest_exact_unit() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (0, 90, 300, 3600, 86400, 5400)] == [
        "0m",
        "90s",
        "5m",
        "1h",
        "1d",
        "90m",
    ]


@pytest.mark.parametrize("bad", ["", "5x", "-5m", "1.5h", "m5"])
def test_durations_refuse_what_they_cannot_read(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)
