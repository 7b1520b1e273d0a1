from __future__ import annotations

import dataclasses
from datetime import timedelta

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.timer_policy import TimingRules
from leadrouter.domain.timers import (
    AlertProducer,
    MessageConsumer,
    NotifyProducer,
    RemindProducer,
    due_actions,
    next_due_at,
)
from tests.support.timers import T0, run, timer_state

CADENCE_ONLY = TimingRules(escalation=())


def test_the_default_cadence_runs_from_minute_zero_to_the_monthly_nurture() -> None:
    steps, _ = run(timer_state(), CADENCE_ONLY, start=T0, until=T0 + timedelta(days=95))
    assert [(st.at - T0, st.action.key) for st in steps] == [
        (timedelta(0), "cad:notify_producer:0m"),
        (timedelta(minutes=5), "cad:sms_consumer:5m"),
        (timedelta(minutes=5), "cad:email_consumer:5m"),
        (timedelta(hours=1), "cad:call_reminder:1h"),
        (timedelta(hours=4), "cad:call_reminder:4h"),
        (timedelta(hours=24), "cad:call_reminder:1d"),
        (timedelta(hours=48), "cad:call_reminder:2d"),
        (timedelta(days=7), "cad:email_consumer:7d"),
        (timedelta(days=30), "cad:nurture_email:30d"),
        (timedelta(days=60), "cad:nurture_email:60d"),
        (timedelta(days=90), "cad:nurture_email:90d"),
    ]
    kinds = {st.action.key: st.action for st in steps}
    assert isinstance(kinds["cad:notify_producer:0m"], NotifyProducer)
    assert isinstance(kinds["cad:call_reminder:4h"], RemindProducer)
    last = kinds["cad:email_consumer:7d"]
    assert isinstance(last, MessageConsumer) and last.template == "last_email"
    nurture = kinds["cad:nurture_email:60d"]
    assert isinstance(nurture, MessageConsumer)
    assert (nurture.channel, nurture.template) == ("email", "nurture")


def test_ladder_and_cadence_interleave_on_one_clock() -> None:
    steps, _ = run(timer_state(), TimingRules(), start=T0, until=T0 + timedelta(minutes=5))
    assert [(st.at - T0, type(st.action)) for st in steps] == [
        (timedelta(0), NotifyProducer),
        (timedelta(minutes=5), AlertProducer),
        (timedelta(minutes=5), MessageConsumer),
        (timedelta(minutes=5), MessageConsumer),
    ]


def test_the_cadence_stops_when_a_contact_is_logged() -> None:
    steps, s = run(timer_state(), CADENCE_ONLY, start=T0, until=T0 + timedelta(hours=2))
    assert steps[-1].action.key == "cad:call_reminder:1h"
    contacted = dataclasses.replace(
        s, contacted_at=T0 + timedelta(hours=2), lead_status=LeadStatus.CONTACTED
    )
    assert next_due_at(contacted, CADENCE_ONLY, T0 + timedelta(hours=2)) is None


def test_the_cadence_stops_on_bind_and_on_loss() -> None:
    for status in (LeadStatus.BOUND, LeadStatus.LOST):
        s = timer_state(lead_status=status, done=frozenset({"cad:notify_producer:0m"}))
        assert next_due_at(s, CADENCE_ONLY, T0 + timedelta(minutes=1)) is None


def test_a_lead_in_nurture_gets_only_the_monthly_email_even_after_contact() -> None:
    s = timer_state(lead_status=LeadStatus.NURTURE, contacted_at=T0 + timedelta(hours=2))
    steps, _ = run(s, TimingRules(), start=T0 + timedelta(days=3), until=T0 + timedelta(days=65))
    assert [st.action.key for st in steps] == ["cad:nurture_email:30d", "cad:nurture_email:60d"]


def test_after_a_long_outage_only_the_latest_nurture_email_is_sent() -> None:
    done = frozenset(
        {
            "cad:notify_producer:0m",
            "cad:sms_consumer:5m",
            "cad:email_consumer:5m",
            "cad:call_reminder:1h",
            "cad:call_reminder:4h",
            "cad:call_reminder:1d",
            "cad:call_reminder:2d",
            "cad:email_consumer:7d",
        }
    )
    due = due_actions(timer_state(done=done), CADENCE_ONLY, T0 + timedelta(days=95))
    assert [a.key for a in due] == ["cad:nurture_email:90d"]


def test_do_not_contact_silences_consumer_messages_and_call_reminders_not_the_ladder() -> None:
    steps, _ = run(
        timer_state(do_not_contact=True), TimingRules(), start=T0, until=T0 + timedelta(days=40)
    )
    keys = [st.action.key for st in steps]
    assert keys == [
        "cad:notify_producer:0m",
        "esc:alert_producer:5m",
        "esc:warn_producer:15m",
        "esc:reassign:30m",
        "esc:alert_manager:1h",
    ]


def test_a_custom_cadence_with_its_own_template_and_weekly_repeat() -> None:
    from leadrouter.policy.timing import TimingPolicy

    rules = TimingPolicy.model_validate(
        {
            "escalation": [],
            "cadence": [
                {"at": "0m", "action": "email_consumer", "template": "welcome"},
                {"at": "2d", "action": "nurture_email", "repeat": "weekly"},
            ],
        }
    ).to_domain()
    steps, _ = run(timer_state(), rules, start=T0, until=T0 + timedelta(days=16))
    assert [(st.at - T0, st.action.key) for st in steps] == [
        (timedelta(0), "cad:email_consumer:0m"),
        (timedelta(days=2), "cad:nurture_email:2d"),
        (timedelta(days=9), "cad:nurture_email:9d"),
        (timedelta(days=16), "cad:nurture_email:16d"),
    ]
    first = steps[0].action
    assert isinstance(first, MessageConsumer) and first.template == "welcome"
