from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from leadrouter.domain.timer_policy import AcceptanceRule, TimingRules
from leadrouter.domain.timers import (
    Action,
    AlertManager,
    AlertProducer,
    MessageConsumer,
    NotifyProducer,
    OfferExpired,
    TimerState,
    due_actions,
    next_due_at,
)
from tests.support.timers import run

T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 in New York
RULES = TimingRules(acceptance=AcceptanceRule(required=True, within=timedelta(seconds=120)))


def offer(at: datetime = T0, owner: int = 10) -> TimerState:
    return TimerState(
        lead_id=1,
        assignment_id=100,
        owner_id=owner,
        first_assigned_at=T0,
        assigned_at=at,
        consumer_timezone="America/New_York",
        accept_by=at + RULES.acceptance.within,
    )


def test_the_offer_is_announced_at_once_with_its_deadline() -> None:
    due = due_actions(offer(), RULES, T0)
    assert len(due) == 1 and isinstance(due[0], NotifyProducer)
    assert due[0].accept_by == T0 + timedelta(minutes=2)
    assert next_due_at(offer().done_with(due), RULES, T0) == T0 + timedelta(minutes=2)


def test_an_unaccepted_offer_expires_and_nothing_else_runs_while_it_stands() -> None:
    s = offer().done_with(["cad:notify_producer:0m"])
    assert due_actions(s, RULES, T0 + timedelta(seconds=119)) == []
    due = due_actions(s, RULES, T0 + timedelta(minutes=10))
    assert [type(a) for a in due] == [OfferExpired]  # no producer alert, no consumer text
    assert next_due_at(s.done_with(due), RULES, T0 + timedelta(minutes=10)) == T0 + timedelta(
        hours=1
    )  # only the manager alert remains, should nobody ever accept


def test_a_timeout_offers_the_lead_to_the_next_producer_with_a_fresh_deadline() -> None:
    offers: list[int] = []

    def next_producer(s: TimerState, actions: list[Action], now: datetime) -> TimerState:
        if any(isinstance(a, OfferExpired) for a in actions):
            offers.append(s.owner_id)
            return s.reassigned(
                assignment_id=s.assignment_id + 1,
                owner_id=s.owner_id + 1,
                at=now,
                accept_by=now + RULES.acceptance.within,
            )
        return s

    steps, s = run(offer(), RULES, start=T0, until=T0 + timedelta(minutes=5), react=next_producer)
    assert offers == [10, 11]
    assert [(st.at - T0, type(st.action)) for st in steps] == [
        (timedelta(0), NotifyProducer),
        (timedelta(minutes=2), OfferExpired),
        (timedelta(minutes=2), NotifyProducer),
        (timedelta(minutes=4), OfferExpired),
        (timedelta(minutes=4), NotifyProducer),
    ]
    assert s.owner_id == 12 and s.accept_by == T0 + timedelta(minutes=6)


def test_after_acceptance_the_ladder_counts_from_the_acceptance() -> None:
    accepted = dataclasses.replace(
        offer().done_with(["cad:notify_producer:0m"]), accepted_at=T0 + timedelta(minutes=1)
    )
    assert due_actions(accepted, RULES, T0 + timedelta(minutes=5, seconds=59)) == [
        MessageConsumer("cad:sms_consumer:5m", T0 + timedelta(minutes=5), "sms", "intro_sms"),
        MessageConsumer("cad:email_consumer:5m", T0 + timedelta(minutes=5), "email", "intro_email"),
    ]
    alert = [
        a
        for a in due_actions(accepted, RULES, T0 + timedelta(minutes=6))
        if isinstance(a, AlertProducer)
    ]
    assert alert and alert[0].due_at == T0 + timedelta(minutes=6)


def test_consumer_messages_wait_for_an_accepted_owner_and_then_go_out() -> None:
    late = T0 + timedelta(minutes=8)
    second = offer().reassigned(
        assignment_id=101, owner_id=11, at=late, accept_by=late + timedelta(minutes=2)
    )
    pending = due_actions(second.done_with(["cad:notify_producer:0m"]), RULES, late)
    assert not any(isinstance(a, MessageConsumer) for a in pending)
    accepted = dataclasses.replace(second, accepted_at=late + timedelta(seconds=30))
    due = due_actions(accepted, RULES, late + timedelta(seconds=30))
    assert {a.key for a in due if isinstance(a, MessageConsumer)} == {
        "cad:sms_consumer:5m",
        "cad:email_consumer:5m",
    }


def test_the_manager_hears_of_a_lead_nobody_accepts_within_the_hour() -> None:
    s = offer().done_with(["cad:notify_producer:0m", "offer:expired"])
    due = due_actions(s, RULES, T0 + timedelta(hours=1))
    assert [type(a) for a in due] == [AlertManager]
