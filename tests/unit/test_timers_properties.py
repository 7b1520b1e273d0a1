from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.timer_policy import AcceptanceRule, TimingRules
from leadrouter.domain.timers import (
    Action,
    MessageConsumer,
    OfferExpired,
    Reassign,
    RemindProducer,
    TimerState,
    due_actions,
    next_due_at,
)
from tests.support.timers import run, timer_state

pytestmark = pytest.mark.slow  # hypothesis properties over thousands of agencies and leads

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
]
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[TimerState, TimingRules, datetime | None]:
    t0 = draw(instants)
    accept = draw(st.booleans())
    rules = TimingRules(acceptance=AcceptanceRule(required=accept))
    s = timer_state(
        t0,
        assignment_id=1,
        owner_id=1,
        consumer_timezone=draw(st.sampled_from(ZONES)),
        accept_by=t0 + rules.acceptance.within if accept else None,
        do_not_contact=draw(st.booleans()),
        lead_status=draw(st.sampled_from([LeadStatus.ASSIGNED, LeadStatus.NURTURE])),
    )
    contact_after = draw(st.none() | st.integers(min_value=0, max_value=60 * 24 * 10))
    contact = None if contact_after is None else t0 + timedelta(minutes=contact_after)
    return s, rules, contact


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_stepping_the_clock_never_stalls_never_repeats_and_never_texts_at_night(
    scenario: tuple[TimerState, TimingRules, datetime | None],
) -> None:
    s, rules, contact = scenario
    t0 = s.first_assigned_at
    seen: list[str] = []

    def react(state: TimerState, actions: list[Action], now: datetime) -> TimerState:
        seen.extend(a.key for a in actions)
        for a in actions:
            quiet = (isinstance(a, MessageConsumer) and a.channel == "sms") or isinstance(
                a, RemindProducer
            )
            if quiet:
                assert rules.contact_hours.is_open(now, state.consumer_timezone)
                assert not state.do_not_contact
        # Once everything due is done, nothing more is due at this instant.
        nxt = next_due_at(state, rules, now)
        assert nxt is None or nxt > now
        if any(isinstance(a, Reassign | OfferExpired) for a in actions):
            return state.reassigned(assignment_id=state.assignment_id + 1, owner_id=2, at=now)
        if state.awaiting_acceptance and now >= t0 + timedelta(seconds=30):
            state = dataclasses.replace(state, accepted_at=now)
        if contact is not None and now >= contact and state.contacted_at is None:
            state = dataclasses.replace(state, contacted_at=now)
        return state

    run(s, rules, start=t0, until=t0 + timedelta(days=70), react=react)
    once = [
        k
        for k in seen
        if not k.startswith("cad:notify_producer")
        and k != "offer:expired"
        and not k.startswith("esc:alert_producer")
        and not k.startswith("esc:warn_producer")
    ]
    assert len(once) == len(set(once)), "a per-lead step ran twice"


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.integers(min_value=0, max_value=60 * 24 * 40))
def test_whenever_the_next_due_instant_has_come_something_is_due(
    scenario: tuple[TimerState, TimingRules, datetime | None], minutes: int
) -> None:
    s, rules, _ = scenario
    now = s.first_assigned_at + timedelta(minutes=minutes)
    nxt = next_due_at(s, rules, now)
    assert (nxt is not None and nxt <= now) == bool(due_actions(s, rules, now))
