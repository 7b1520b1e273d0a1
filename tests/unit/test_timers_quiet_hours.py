from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadrouter.domain.timer_policy import ContactHours, TimingRules
from leadrouter.domain.timers import (
    Defer,
    MessageConsumer,
    RemindProducer,
    TimerState,
    due_actions,
    next_due_at,
)
from tests.support.timers import run

CADENCE_ONLY = TimingRules(escalation=())
NEW_YORK = ZoneInfo("America/New_York")


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def state(at: datetime, zone: str = "America/New_York") -> TimerState:
    return TimerState(
        lead_id=1,
        assignment_id=100,
        owner_id=10,
        first_assigned_at=at,
        assigned_at=at,
        consumer_timezone=zone,
    )


def first_day(at: datetime, zone: str = "America/New_York") -> list[tuple[datetime, str, str]]:
    steps, _ = run(state(at, zone), CADENCE_ONLY, start=at, until=at + timedelta(hours=20))
    return [(st.at, type(st.action).__name__, st.action.key) for st in steps]


def test_a_text_due_after_nine_pm_waits_for_eight_am_while_the_email_goes_now() -> None:
    t0 = local("America/New_York", 2026, 3, 3, 20, 58)
    assert first_day(t0) == [
        (t0, "NotifyProducer", "cad:notify_producer:0m"),
        (local("America/New_York", 2026, 3, 3, 21, 3), "Defer", "defer:cad:sms_consumer:5m"),
        (local("America/New_York", 2026, 3, 3, 21, 3), "MessageConsumer", "cad:email_consumer:5m"),
        (local("America/New_York", 2026, 3, 3, 21, 58), "Defer", "defer:cad:call_reminder:1h"),
        (local("America/New_York", 2026, 3, 4, 0, 58), "Defer", "defer:cad:call_reminder:4h"),
        (local("America/New_York", 2026, 3, 4, 8, 0), "MessageConsumer", "cad:sms_consumer:5m"),
        (local("America/New_York", 2026, 3, 4, 8, 0), "RemindProducer", "cad:call_reminder:1h"),
        (local("America/New_York", 2026, 3, 4, 8, 0), "RemindProducer", "cad:call_reminder:4h"),
    ]


@pytest.mark.parametrize(
    ("assigned", "until_utc"),
    [
        # Spring forward: Saturday 20:58 EST; Sunday 08:00 is already EDT (UTC-4).
        (local("America/New_York", 2026, 3, 7, 20, 58), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        # Fall back: Saturday 20:58 EDT; Sunday 08:00 is EST again (UTC-5).
        (local("America/New_York", 2026, 10, 31, 20, 58), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_deferral_across_a_daylight_saving_change_lands_on_eight_local(
    assigned: datetime, until_utc: datetime
) -> None:
    due = due_actions(
        state(assigned).done_with(["cad:notify_producer:0m"]),
        CADENCE_ONLY,
        assigned + timedelta(minutes=5),
    )
    defer = next(a for a in due if isinstance(a, Defer))
    assert defer.step_key == "cad:sms_consumer:5m"
    assert defer.until == until_utc
    assert defer.until.astimezone(NEW_YORK).time() == time(8, 0)
    steps, _ = run(state(assigned), CADENCE_ONLY, start=assigned, until=until_utc)
    sent = [
        st for st in steps if isinstance(st.action, MessageConsumer) and st.action.channel == "sms"
    ]
    assert [st.at for st in sent] == [until_utc]


def test_the_same_instant_is_quiet_in_new_york_and_fine_in_los_angeles_and_honolulu() -> None:
    t0 = datetime(2026, 3, 4, 1, 55, tzinfo=UTC)  # 20:55 New York, 17:55 LA, 15:55 Honolulu
    five = t0 + timedelta(minutes=5)
    kinds = {}
    for zone in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu"):
        s = state(t0, zone).done_with(["cad:notify_producer:0m"])
        kinds[zone] = [type(a).__name__ for a in due_actions(s, CADENCE_ONLY, five)]
    assert kinds == {
        "America/New_York": ["Defer", "MessageConsumer"],
        "America/Los_Angeles": ["MessageConsumer", "MessageConsumer"],
        "Pacific/Honolulu": ["MessageConsumer", "MessageConsumer"],
    }


def test_phoenix_keeps_standard_time_all_summer() -> None:
    t0 = local("America/Phoenix", 2026, 7, 1, 6, 0)  # 06:00 in Phoenix = 13:00 UTC
    steps, _ = run(
        state(t0, "America/Phoenix"), CADENCE_ONLY, start=t0, until=t0 + timedelta(hours=3)
    )
    sms = [st for st in steps if st.action.key == "cad:sms_consumer:5m"]
    assert [st.at for st in sms] == [datetime(2026, 7, 1, 15, 0, tzinfo=UTC)]  # 08:00 MST


def test_a_late_worker_does_not_text_after_hours_even_for_a_step_due_in_hours() -> None:
    t0 = local("America/New_York", 2026, 3, 3, 20, 50)
    s = state(t0).done_with(["cad:notify_producer:0m"])
    late = local("America/New_York", 2026, 3, 3, 21, 10)
    due = due_actions(s, CADENCE_ONLY, late)
    assert [type(a) for a in due] == [Defer, MessageConsumer]
    assert isinstance(due[0], Defer) and due[0].until == local("America/New_York", 2026, 3, 4, 8)
    assert isinstance(due[1], MessageConsumer) and due[1].channel == "email"


def test_a_deferral_is_recorded_once_and_the_step_is_never_dropped() -> None:
    t0 = local("America/New_York", 2026, 3, 3, 20, 58)
    s = state(t0).done_with(["cad:notify_producer:0m", "cad:email_consumer:5m"])
    at = t0 + timedelta(minutes=5)
    deferred = s.done_with(due_actions(s, CADENCE_ONLY, at))
    assert "defer:cad:sms_consumer:5m" in deferred.done
    midnight = local("America/New_York", 2026, 3, 4, 0, 0)
    assert all(
        not a.key.endswith("sms_consumer:5m") for a in due_actions(deferred, CADENCE_ONLY, midnight)
    )
    eight = local("America/New_York", 2026, 3, 4, 8, 0)
    assert next_due_at(
        deferred.done_with(["defer:cad:call_reminder:1h"]), CADENCE_ONLY, midnight
    ) == local("America/New_York", 2026, 3, 4, 0, 58)
    # Even if the worker only wakes the next night, the text still waits for the hours.
    next_night = local("America/New_York", 2026, 3, 4, 22, 0)
    assert not any(
        isinstance(a, MessageConsumer) and a.channel == "sms"
        for a in due_actions(deferred, CADENCE_ONLY, next_night)
    )
    assert any(
        isinstance(a, MessageConsumer) and a.channel == "sms"
        for a in due_actions(deferred, CADENCE_ONLY, eight)
    )


def test_reminders_to_call_respect_the_consumers_hours_but_producer_alerts_do_not() -> None:
    t0 = local("America/New_York", 2026, 3, 3, 20, 58)
    steps, _ = run(state(t0), TimingRules(), start=t0, until=t0 + timedelta(minutes=20))
    alerts = [st for st in steps if st.action.key.startswith("esc:")]
    assert [(st.at - t0) for st in alerts] == [timedelta(minutes=5), timedelta(minutes=15)]
    reminders = [
        st
        for st in run(state(t0), CADENCE_ONLY, start=t0, until=t0 + timedelta(days=1))[0]
        if isinstance(st.action, RemindProducer)
    ]
    assert all(ContactHours().is_open(st.at, "America/New_York") for st in reminders)


def test_contact_hours_follow_the_policy() -> None:
    rules = TimingRules(escalation=(), contact_hours=ContactHours(time(9), time(20)))
    t0 = local("America/Chicago", 2026, 3, 3, 19, 56)
    steps, _ = run(state(t0, "America/Chicago"), rules, start=t0, until=t0 + timedelta(hours=14))
    sms = next(st for st in steps if st.action.key == "cad:sms_consumer:5m")
    assert sms.at == local("America/Chicago", 2026, 3, 4, 9, 0)
