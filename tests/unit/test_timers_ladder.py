from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.timer_policy import Channel, EscalationAction, Rung, TimingRules
from leadrouter.domain.timers import (
    Action,
    AlertManager,
    AlertProducer,
    Reassign,
    TimerState,
    WarnProducer,
    due_actions,
    next_due_at,
)
from tests.support.timers import T0, run, timer_state

LADDER_ONLY = TimingRules(cadence=())


def minutes(at: datetime) -> int:
    return int((at - T0).total_seconds() // 60)


def reassign_to_backup(s: TimerState, actions: list[Action], now: datetime) -> TimerState:
    if any(isinstance(a, Reassign) for a in actions):
        return s.reassigned(assignment_id=s.assignment_id + 1, owner_id=s.owner_id + 1, at=now)
    return s


def test_default_ladder_alerts_warns_reassigns_once_and_then_tells_the_manager() -> None:
    owners: list[tuple[int, str, int]] = []

    def react(s: TimerState, actions: list[Action], now: datetime) -> TimerState:
        owners.extend((minutes(now), type(a).__name__, s.owner_id) for a in actions)
        return reassign_to_backup(s, actions, now)

    _, final = run(timer_state(), LADDER_ONLY, start=T0, until=T0 + timedelta(days=3), react=react)

    assert owners == [
        (5, "AlertProducer", 10),
        (15, "WarnProducer", 10),
        (30, "Reassign", 10),
        (35, "AlertProducer", 11),  # the backup gets its own alerts, counted from its start
        (45, "WarnProducer", 11),
        (60, "AlertManager", 11),  # an hour after the lead's first assignment
    ]
    assert next_due_at(final, LADDER_ONLY, T0 + timedelta(days=3)) is None


def test_warning_goes_by_text_and_email_and_the_reassignment_states_its_reason() -> None:
    due = due_actions(timer_state(), LADDER_ONLY, T0 + timedelta(minutes=30))
    warn = next(a for a in due if isinstance(a, WarnProducer))
    reassign = next(a for a in due if isinstance(a, Reassign))
    assert warn.channels == (Channel.SMS, Channel.EMAIL)
    assert reassign.reason == "not contacted within 30 minutes"
    assert [a.key for a in due] == [
        "esc:alert_producer:5m",
        "esc:warn_producer:15m",
        "esc:reassign:30m",
    ]


def test_each_rung_states_its_reason_in_the_units_of_its_delay() -> None:
    rules = TimingRules(
        cadence=(),
        escalation=(
            Rung(timedelta(seconds=30), EscalationAction.ALERT_PRODUCER),
            Rung(timedelta(seconds=90), EscalationAction.WARN_PRODUCER),
            Rung(timedelta(hours=2), EscalationAction.ALERT_MANAGER),
        ),
    )
    due = due_actions(timer_state(), rules, T0 + timedelta(hours=2))
    assert [(type(a).__name__, getattr(a, "reason", None)) for a in due] == [
        ("AlertProducer", "not contacted within 30 seconds"),
        ("WarnProducer", "not contacted within 90 seconds"),
        ("AlertManager", "not contacted within 2 hours"),
    ]


def test_logging_a_contact_stops_the_ladder_at_once() -> None:
    steps, s = run(timer_state(), LADDER_ONLY, start=T0, until=T0 + timedelta(minutes=10))
    assert [type(step.action) for step in steps] == [AlertProducer]
    contacted = dataclasses.replace(s, contacted_at=T0 + timedelta(minutes=11))
    assert next_due_at(contacted, LADDER_ONLY, T0 + timedelta(minutes=11)) is None
    assert due_actions(contacted, LADDER_ONLY, T0 + timedelta(hours=5)) == []


def test_nothing_is_due_for_a_lead_that_is_bound_lost_or_already_contacted() -> None:
    for status in (LeadStatus.BOUND, LeadStatus.LOST, LeadStatus.CONTACTED, LeadStatus.QUOTED):
        s = timer_state(lead_status=status)
        assert next_due_at(s, TimingRules(), T0) is None
        assert due_actions(s, TimingRules(), T0 + timedelta(days=40)) == []


def test_a_worker_that_was_down_finds_the_missed_rungs_in_order() -> None:
    due = due_actions(timer_state(), LADDER_ONLY, T0 + timedelta(minutes=70))
    assert [type(a) for a in due] == [AlertProducer, WarnProducer, Reassign, AlertManager]
    assert [minutes(a.due_at) for a in due] == [5, 15, 30, 60]


def test_a_done_rung_is_never_due_again() -> None:
    at = T0 + timedelta(minutes=5)
    first = due_actions(timer_state(), LADDER_ONLY, at)
    after = timer_state().done_with(first)
    assert due_actions(after, LADDER_ONLY, at) == []
    assert next_due_at(after, LADDER_ONLY, at) == T0 + timedelta(minutes=15)


def test_reassignment_keeps_the_per_lead_steps_done_and_restarts_the_owner_alerts() -> None:
    s = timer_state(
        done=frozenset(
            {
                "esc:alert_producer:5m",
                "esc:warn_producer:15m",
                "esc:reassign:30m",
                "cad:notify_producer:0m",
                "cad:sms_consumer:5m",
                "defer:cad:call_reminder:1h",
            }
        )
    )
    moved = s.reassigned(assignment_id=101, owner_id=11, at=T0 + timedelta(minutes=30))
    assert moved.done == {"esc:reassign:30m", "cad:sms_consumer:5m", "defer:cad:call_reminder:1h"}
    assert moved.first_assigned_at == T0
    assert (moved.assignment_id, moved.owner_id) == (101, 11)


def test_a_manual_new_owner_gets_the_full_half_hour_before_an_automatic_reassignment() -> None:
    later = T0 + timedelta(minutes=25)
    moved = timer_state().reassigned(assignment_id=101, owner_id=11, at=later)
    due = due_actions(moved, LADDER_ONLY, T0 + timedelta(minutes=54))
    assert not any(isinstance(a, Reassign) for a in due)
    due = due_actions(moved, LADDER_ONLY, later + timedelta(minutes=30))
    assert any(isinstance(a, Reassign) for a in due)


def test_a_custom_ladder_uses_its_own_times_and_channels() -> None:
    from leadrouter.policy.timing import TimingPolicy

    rules = TimingPolicy.model_validate(
        {
            "escalation": [
                {"after": "2m", "action": "alert_producer", "channels": ["sms"]},
                {"after": 600, "action": "alert_manager"},
            ],
            "cadence": [],
        }
    ).to_domain()
    steps, _ = run(timer_state(), rules, start=T0, until=T0 + timedelta(hours=2))
    assert [(minutes(st.at), st.action.key) for st in steps] == [
        (2, "esc:alert_producer:2m"),
        (10, "esc:alert_manager:10m"),
    ]
    first = steps[0].action
    assert isinstance(first, AlertProducer) and first.channels == (Channel.SMS,)
