"""The escalation ladder on a virtual clock, through the worker's timer step and real routing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import (
    advance,
    decision_kinds,
    events_of,
    lead_of,
    next_due,
    rows_of,
    run_until,
    set_backup,
    step,
    subscribe,
    timer_messages,
)


def test_the_default_ladder_alerts_warns_reassigns_to_the_backup_and_alerts_the_manager(
    container: Container, client: TestClient, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    subscribe(c, agency.id, "lead.escalated", "lead.reassigned", "lead.outcome")
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)  # Alice is the only producer yet: she gets it
    ben, _cara = (
        make_producer(c, agency.id, 2, licensed_in=("NY",)),
        make_producer(c, agency.id, 3, licensed_in=("NY",)),
    )
    manager = make_producer(c, agency.id, 9, role="manager")
    set_backup(c, agency.id, alice, ben)

    step(c)  # minute 0: the assignment already told Alice; nothing else is sent
    assert timer_messages(c, lead) == []
    assert next_due(c) == t0 + timedelta(minutes=5)

    assert advance(c, clock) == t0 + timedelta(minutes=5)
    assert [(k, ch, to) for k, ch, to, _ in timer_messages(c, lead)] == [
        ("esc:alert_producer:5m", "inapp", f"producer:{alice}"),
        ("cad:sms_consumer:5m", "sms", "+16465550001"),  # 09:05 in New York: within hours
        ("cad:email_consumer:5m", "email", "lead1@consumer.example"),
    ]

    assert advance(c, clock) == t0 + timedelta(minutes=15)
    assert [(k, ch, to) for k, ch, to, _ in timer_messages(c, lead)][3:] == [
        ("esc:warn_producer:15m", "sms", "+12125550001"),
        ("esc:warn_producer:15m", "email", "p1@agency.example"),
    ]

    assert advance(c, clock) == t0 + timedelta(minutes=30)
    first, second = rows_of(c, lead)
    assert (first.producer_id, first.state, first.end_reason) == (
        alice,
        "ended",
        "reassigned: not contacted within 30 minutes",
    )
    assert (second.producer_id, second.kind, second.state) == (ben, "reassign", "active")
    assert "esc:reassign:30m" in second.done_steps  # once per lead: it does not bounce on
    assert "cad:sms_consumer:5m" in second.done_steps  # the consumer is not texted again
    assert "esc:alert_producer:5m" not in second.done_steps  # Ben gets his own five minutes
    assert decision_kinds(c, lead)[-1] == ("reassign", "assigned", ben)
    told = [r for r in events_of(c, "lead.reassigned") if r.channel != "webhook"]
    assert {(r.channel, r.recipient) for r in told} == {
        ("inapp", f"producer:{alice}"),
        ("email", "p1@agency.example"),
    }
    hook = events_of(c, "lead.reassigned")[-1]
    assert (hook.channel, hook.payload["from_producer_id"], hook.payload["to_producer_id"]) == (
        "webhook",
        alice,
        ben,
    )
    assert lead_of(c, lead).owner_id == ben

    run_until(c, clock, t0 + timedelta(hours=1))
    steps = [(k, ch, to) for k, ch, to, _ in timer_messages(c, lead)][5:]
    assert steps == [
        ("esc:alert_producer:5m", "inapp", f"producer:{ben}"),
        ("esc:warn_producer:15m", "sms", "+12125550002"),
        ("esc:warn_producer:15m", "email", "p2@agency.example"),
        ("esc:alert_manager:1h", "inapp", "role:manager"),
        ("esc:alert_manager:1h", "email", "p9@agency.example"),
        ("cad:call_reminder:1h", "inapp", f"producer:{ben}"),
        ("cad:call_reminder:1h", "email", "p2@agency.example"),
    ]
    hooks = [r.payload["step"] for r in events_of(c, "lead.escalated", "webhook")]
    assert hooks == [
        "esc:alert_producer:5m",
        "esc:warn_producer:15m",
        "esc:reassign:30m",
        "esc:alert_producer:5m",
        "esc:warn_producer:15m",
        "esc:alert_manager:1h",
    ]
    assert manager not in {r.producer_id for r in rows_of(c, lead)}

    clock.advance(timedelta(minutes=2))
    logged = client.post(
        f"/v1/leads/{lead}/activities",
        headers=agency.headers,
        json={"producer_id": ben, "kind": "contact_made", "note": "quoted auto"},
    )
    assert logged.status_code == 201, logged.text
    assert next_due(c) is None  # the contact stops the ladder and the cadence
    assert lead_of(c, lead).status == "contacted"
    assert [r.payload["outcome"] for r in events_of(c, "lead.outcome")] == ["contacted"]
    assert (
        client.get(f"/v1/leads/{lead}/activities", headers=agency.headers).json()[
            "response_seconds"
        ]
        == 62 * 60
    )
    clock.advance(timedelta(days=40))
    assert step(c).actions == 0


def test_a_backup_without_a_license_for_the_leads_state_is_skipped_for_the_next_eligible(
    container: Container, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    jersey_only = make_producer(c, agency.id, 2, licensed_in=("NJ",))
    cara = make_producer(c, agency.id, 3, licensed_in=("NY",))
    set_backup(c, agency.id, alice, jersey_only)

    run_until(c, clock, t0 + timedelta(minutes=30))

    owners = [(r.producer_id, r.kind) for r in rows_of(c, lead)]
    assert owners == [(alice, "route"), (cara, "reassign")]
    explanation_steps = decision_kinds(c, lead)
    assert explanation_steps[-1] == ("reassign", "assigned", cara)


def test_with_nobody_else_eligible_the_lead_stays_with_its_owner_and_the_ladder_goes_on(
    container: Container, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    subscribe(c, agency.id, "lead.escalated")
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)

    run_until(c, clock, t0 + timedelta(hours=1))

    (only,) = rows_of(c, lead)
    assert (only.producer_id, only.state) == (alice, "active")
    assert "esc:alert_manager:1h" in only.done_steps
    reasons = {
        r.payload["step"]: r.payload["reason"] for r in events_of(c, "lead.escalated", "webhook")
    }
    assert reasons["esc:reassign:30m"] == (
        "not contacted within 30 minutes; no other eligible producer, so it stays with its owner"
    )
