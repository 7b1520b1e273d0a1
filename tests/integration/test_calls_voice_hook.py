"""Live calls through the voice hook, played by the call simulator (issue 11)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.sim.calls import Caller, CallPathError, well_formed
from leadrouter.store.tables import calls, decisions, leads, outbox
from tests.support.calls import dial_steps, roster, simulator
from tests.support.hooks import signing_agency

CALLER = "+12127361742"


def _lead_of(c: Container, sid: str) -> sa.Row:
    with c.engine.connect() as conn:
        lead_id = conn.execute(sa.select(calls.c.lead_id).where(calls.c.call_sid == sid)).scalar()
        return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()


def test_an_unsigned_or_wrongly_signed_call_is_refused_with_403_and_records_nothing(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    _, licensed = roster(container, agency, [["NY"]])
    data = {"CallSid": "CA1", "From": CALLER, "zip": "10001"}
    unsigned = client.post(f"/hooks/voice/{agency.form_key}", data=data)
    forged = simulator(client, agency, licensed)
    forged.token = "somebody-elses-token"
    wrong = forged.post(f"/hooks/voice/{agency.form_key}", data)
    for answer in (unsigned, wrong):
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
    with container.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(calls)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(decisions)).scalar() == 0


def test_a_caller_of_unknown_state_is_asked_for_a_zip_before_anyone_is_dialed(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    ids, licensed = roster(container, agency, [["NJ"], ["NY"]])
    trace = simulator(client, agency, licensed).call(
        Caller("CA2", CALLER, state="NY", zip_code="10001")
    )
    assert trace.asked_zip == 1
    assert "<Gather" in trace.documents[0] and "<Dial" not in trace.documents[0]
    assert trace.dialed == ["+12125550002"]
    assert trace.outcome == "bridged"
    lead = _lead_of(container, "CA2")
    assert (lead.state, lead.owner_id, lead.status) == ("NY", ids[1], "contacted")
    assert lead.first_contact_at is not None  # the answered call is the contact made


def test_a_caller_who_never_gives_a_zip_gets_the_fallback_and_nobody_is_rung(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    _, licensed = roster(container, agency, [["NY"], ["NJ"]])
    trace = simulator(client, agency, licensed).call(Caller("CA3", CALLER, state=None))
    assert trace.asked_zip == 2
    assert trace.dialed == []
    assert trace.outcome == "fallback"
    assert _lead_of(container, "CA3").status == "queued"


def test_no_answer_rings_the_next_licensed_producer_and_each_attempt_is_in_the_audit_chain(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    ids, licensed = roster(container, agency, [["NY"], ["NJ"], ["NY"], ["NY"]])
    missed = {"+12125550001": "no-answer", "+12125550003": "busy"}
    sim = simulator(client, agency, licensed, lambda p: missed.get(p, "completed"))
    trace = sim.call(Caller("CA4", CALLER, state="NY", fields={"zip": "10001"}))
    assert trace.asked_zip == 0
    assert sorted(trace.dialed) == ["+12125550001", "+12125550003", "+12125550004"]
    assert trace.bridged_to == trace.dialed[-1] == "+12125550004"
    lead = _lead_of(container, "CA4")
    steps = dial_steps(container, lead.id)
    assert [s[0] for s in steps] == [
        "dialing",
        steps[1][0],
        "dialing",
        steps[3][0],
        "dialing",
        "answered",
    ]
    assert {steps[1][0], steps[3][0]} == {"no-answer", "busy"}
    assert ids[1] not in {s[1] for s in steps}  # the NJ producer is never rung
    assert lead.owner_id == ids[3]


def test_a_call_from_an_uncovered_state_falls_back_with_voicemail_texts_and_an_alert(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    _, licensed = roster(container, agency, [["NJ"], ["CT"]])
    trace = simulator(client, agency, licensed).call(
        Caller("CA5", CALLER, state="NY", fields={"zip": "10001", "first_name": "Casey"})
    )
    assert trace.dialed == [] and trace.outcome == "fallback"
    assert "<Record" in trace.documents[-1] and "<Say>" in trace.documents[-1]
    lead = _lead_of(container, "CA5")
    assert lead.status == "queued"  # open, waiting for a licensed producer to call back
    with container.engine.connect() as conn:
        sent = conn.execute(
            sa.select(outbox.c.channel, outbox.c.event).where(outbox.c.agency_id == agency.id)
        ).all()
        recording = conn.execute(sa.select(calls.c.recording_url)).scalar()
    assert ("sms", "call.missed") in sent
    assert any(event == "lead.queued" for channel, event in sent if channel == "inapp")
    assert recording == "https://recordings.example/CA5"
    assert dial_steps(container, lead.id) == [("fallback", None)]


def test_producers_away_or_busy_are_not_dialed_and_presence_is_set_through_the_api(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    ids, licensed = roster(container, agency, [["NY"], ["NY"]])
    for pid in ids:
        answer = client.put(
            f"/v1/producers/{pid}/presence", json={"presence": "away"}, headers=agency.headers
        )
        assert answer.status_code == 200, answer.text
    bad = client.put(
        f"/v1/producers/{ids[0]}/presence", json={"presence": "asleep"}, headers=agency.headers
    )
    assert bad.status_code == 422
    sim = simulator(client, agency, licensed)
    assert sim.call(Caller("CA6", CALLER, state="NY", fields={"zip": "10001"})).dialed == []
    client.put(
        f"/v1/producers/{ids[1]}/presence", json={"presence": "available"}, headers=agency.headers
    )
    trace = sim.call(Caller("CA7", "+12127361743", state="NY", fields={"zip": "10001"}))
    assert trace.dialed == ["+12125550002"]


def test_a_known_caller_is_not_asked_for_a_zip_and_rings_the_owner_of_their_lead_first(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    _, licensed = roster(container, agency, [["NY"], ["NY"]])
    sim = simulator(client, agency, licensed)
    first = sim.call(Caller("CA8", CALLER, state="NY", fields={"zip": "10001"}))
    again = sim.call(Caller("CA9", CALLER, state="NY"))
    assert again.asked_zip == 0
    assert again.dialed == [first.bridged_to]
    assert _lead_of(container, "CA9").id == _lead_of(container, "CA8").id


def test_the_simulator_catches_a_dial_to_a_producer_it_knows_as_unlicensed(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)
    roster(container, agency, [["NY"]])
    sim = simulator(client, agency, {"+12125550001": frozenset({"NJ"})})
    with pytest.raises(CallPathError, match="not licensed in NY"):
        sim.call(Caller("CA10", CALLER, state="NY", fields={"zip": "10001"}))


@pytest.mark.parametrize(
    "document",
    [
        "<Response><Dial action='/x'><Number>+1</Number></Dial></Response>",
        "<Response><Ring/></Response>",
        "<Response><Gather action='/x' input='speech'/></Response>",
        "<Dial/>",
        "not xml",
    ],
)
def test_malformed_twiml_is_refused_by_the_simulator(document: str) -> None:
    with pytest.raises(CallPathError):
        well_formed(document)


@pytest.mark.parametrize("caller", ["+442079460958", "+12125550150"])
def test_a_caller_whose_number_intake_refuses_of_a_form_is_still_taken_and_rung_through(
    client: TestClient, container: Container, caller: str
) -> None:
    agency = signing_agency(client, container)
    ids, licensed = roster(container, agency, [["NY"]])
    trace = simulator(client, agency, licensed).call(
        Caller("CA-ABROAD", caller, state="NY", fields={"zip": "10001"})
    )
    assert trace.dialed == ["+12125550001"] and trace.outcome == "bridged"
    lead = _lead_of(container, "CA-ABROAD")
    assert (lead.phone, lead.owner_id) == (caller, ids[0])  # the number that called, kept
    assert lead.flags["phone"].startswith("is ")  # and why a form could not have given it
