"""The dial plan's policy options and a call's line of business (issue 11): simultaneous
ring, the dial timeout, and where a call's insurance type comes from."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.sim.calls import Caller, CallSimulator
from leadrouter.store.tables import assignments, calls, leads, producers
from tests.support.calls import calls_policy, dial_records, roster, simulator
from tests.support.factories import (
    TestAgency,
    insert_lead,
    make_license,
    make_producer,
)
from tests.support.hooks import signing_agency

CALLER = "+12127361842"
NY = {"zip": "10001"}


def _call_lead(c: Container, sid: str) -> sa.Row:
    with c.engine.connect() as conn:
        lead_id = conn.execute(sa.select(calls.c.lead_id).where(calls.c.call_sid == sid)).scalar()
        return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()


def _open_owner(c: Container, lead_id: int) -> int | None:
    with c.engine.connect() as conn:
        return conn.execute(
            sa.select(assignments.c.producer_id).where(
                assignments.c.lead_id == lead_id, assignments.c.ended_at.is_(None)
            )
        ).scalar()


def _one_producer_in_ny(client: TestClient, c: Container) -> tuple[TestAgency, CallSimulator]:
    """An agency that takes calls, with one producer licensed in NY, and its call simulator."""
    agency = signing_agency(client, c)
    _, licensed = roster(c, agency, [["NY"]])
    return agency, simulator(client, agency, licensed)


def test_a_simultaneous_ring_dials_several_licensed_producers_and_the_first_to_answer_takes_it(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    calls_policy(container, agency.id, "calls: {ring: simultaneous, ring_at_once: 2}")
    ids, licensed = roster(container, agency, [["NY"], ["NJ"], ["NY"], ["NY"]])
    # Whoever the strategy puts first does not answer; the second phone does.
    answers: dict[str, str] = {}

    def answer(phone: str) -> str:
        answers.setdefault(phone, "no-answer" if not answers else "completed")
        return answers[phone]

    trace = simulator(client, agency, licensed, answer).call(
        Caller("CS1", CALLER, state="NY", fields=NY)
    )
    assert len(trace.dialed) == 2 and "+12125550002" not in trace.dialed
    first, second = trace.dialed
    assert trace.bridged_to == second
    assert '<Number statusCallback="' in trace.documents[0]
    assert trace.documents[0].count("<Number") == 2
    lead = _call_lead(container, "CS1")
    by_phone = {f"+1212555{n:04d}": pid for n, pid in enumerate(ids, start=1)}
    records = dial_records(container, lead.id)
    assert [(r["outcome"], r["producer_id"]) for r in records] == [
        ("dialing", by_phone[first]),
        ("dialing", by_phone[second]),
        ("answered", by_phone[second]),
        ("not-answered", by_phone[first]),
    ]
    assert records[0]["ring"] == "simultaneous" and records[0]["holds_lead"] is True
    assert records[1]["ringing_with"] == [by_phone[first]]
    assert all(r["gate"] == "eligible" for r in records[:2])
    # The one who answered holds the lead now, and has made the contact.
    assert lead.owner_id == by_phone[second] == _open_owner(container, lead.id)
    assert lead.status == "contacted"


def test_a_simultaneous_ring_nobody_answers_records_each_phone_then_rings_the_rest(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    calls_policy(container, agency.id, "calls: {ring: simultaneous, ring_at_once: 2}")
    _, licensed = roster(container, agency, [["NY"], ["NY"], ["NY"]])
    rang: list[str] = []

    def answer(phone: str) -> str:
        rang.append(phone)
        return "completed" if len(rang) > 2 else "no-answer"

    trace = simulator(client, agency, licensed, answer).call(
        Caller("CS2", CALLER, state="NY", fields=NY)
    )
    assert sorted(trace.dialed) == sorted(licensed)
    assert trace.bridged_to == trace.dialed[2]
    lead = _call_lead(container, "CS2")
    outcomes = [r["outcome"] for r in dial_records(container, lead.id)]
    assert outcomes == ["dialing", "dialing", "no-answer", "no-answer", "dialing", "answered"]
    attempts = [r["attempt"] for r in dial_records(container, lead.id)]
    assert attempts == [1, 1, 1, 1, 2, 2]


def test_the_dial_timeout_comes_from_the_policy_and_defaults_to_twenty_seconds(
    client: TestClient, container: Container
) -> None:
    agency, sim = _one_producer_in_ny(client, container)
    before = sim.call(Caller("CS3", CALLER, state="NY", fields=NY))
    assert 'timeout="20"' in before.documents[0]
    calls_policy(container, agency.id, "calls: {dial_timeout_seconds: 35}")
    after = sim.call(Caller("CS4", "+12127361843", state="NY", fields=NY))
    assert 'timeout="35"' in after.documents[0]
    bad = client.put(
        "/v1/policy",
        content="calls: {dial_timeout_seconds: 1}\n",
        headers={**agency.headers, "Content-Type": "application/yaml"},
    )
    assert bad.status_code == 422


def test_a_call_without_a_line_takes_the_agencys_call_setting_and_the_gate_checks_that_line(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    personal = make_producer(container, agency.id, 1, licensed_in=("NY",))
    casualty = make_producer(container, agency.id, 2, business_lines=frozenset({"commercial"}))
    make_license(container, agency.id, casualty, "NY", "L-2-NY", lines=("casualty",))
    current = client.get("/v1/agency/settings", headers=agency.headers).json()
    saved = client.put(
        "/v1/agency/settings",
        json={**current, "call_insurance_type": "commercial_auto"},
        headers=agency.headers,
    )
    assert saved.status_code == 200, saved.text
    licensed = {"+12125550001": frozenset({"NY"}), "+12125550002": frozenset({"NY"})}
    trace = simulator(client, agency, licensed).call(Caller("CS5", CALLER, state="NY", fields=NY))
    assert trace.dialed == ["+12125550002"]  # personal lines only may not sell commercial auto
    lead = _call_lead(container, "CS5")
    assert lead.insurance_type == "commercial_auto" and lead.owner_id == casualty != personal
    first = dial_records(container, lead.id)[0]
    assert first["line"] == {
        "insurance_type": "commercial_auto",
        "from": "the agency's call_insurance_type setting",
    }


def test_a_calls_line_comes_from_the_transfer_else_the_callers_lead_else_the_policy_default(
    client: TestClient, container: Container
) -> None:
    agency, sim = _one_producer_in_ny(client, container)
    sim.call(Caller("CS6", "+12127361851", "NY", fields={**NY, "insurance_type": "home"}))
    # A lead of this phone from before the dedupe window: its line carries over to the call.
    with container.engine.begin() as conn:
        insert_lead(
            conn,
            agency_id=agency.id,
            now=container.clock.now() - timedelta(days=90),
            phone="+12127361852",
            insurance_type="renters",
        )
    sim.call(Caller("CS7", "+12127361852", "NY", fields=NY))
    calls_policy(container, agency.id, "calls: {default_insurance_type: umbrella}")
    sim.call(Caller("CS8", "+12127361853", "NY", fields=NY))
    lines = {}
    for sid in ("CS6", "CS7", "CS8"):
        lead = _call_lead(container, sid)
        lines[sid] = (lead.insurance_type, dial_records(container, lead.id)[0]["line"]["from"])
    assert lines["CS6"] == ("home", "the transfer's insurance_type")
    assert lines["CS7"][0] == "renters" and lines["CS7"][1].startswith("the caller's lead ")
    assert lines["CS8"] == ("umbrella", "the policy's calls.default_insurance_type")


def test_when_a_cap_refuses_the_producer_who_answered_the_holder_keeps_the_lead(
    client: TestClient, container: Container
) -> None:
    """The cap changed while the phones rang: the hand-over is refused whole (the holder's
    assignment is not ended), and the explanation says why the holder kept the lead."""
    agency = signing_agency(client, container)
    calls_policy(container, agency.id, "calls: {ring: simultaneous, ring_at_once: 2}")
    ids, licensed = roster(container, agency, [["NY"], ["NY"]])
    by_phone = {f"+1212555{n:04d}": pid for n, pid in enumerate(ids, start=1)}
    answers: dict[str, str] = {}

    def answer(phone: str) -> str:
        if answers:  # the second phone answers, but its producer's daily cap is now full
            with container.engine.begin() as conn:
                conn.execute(
                    sa.update(producers)
                    .where(producers.c.id == by_phone[phone])
                    .values(max_daily=0)
                )
        answers.setdefault(phone, "no-answer" if not answers else "completed")
        return answers[phone]

    trace = simulator(client, agency, licensed, answer).call(
        Caller("CS9", CALLER, state="NY", fields=NY)
    )
    first, second = trace.dialed
    lead = _call_lead(container, "CS9")
    assert lead.owner_id == by_phone[first] == _open_owner(container, lead.id)
    answered = next(r for r in dial_records(container, lead.id) if r["outcome"] == "answered")
    assert answered["producer_id"] == by_phone[second]
    assert "kept_by_holder" in answered
