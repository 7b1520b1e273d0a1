"""The inbound SMS hook trusts only texts signed with the agency's auth token (issue 9, item 1)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.store.tables import agencies, lead_events, leads
from tests.support.factories import insert_lead, make_agency
from tests.support.hooks import SMS_TOKEN, give_sms_token, post_sms, signing_agency

PHONE = "+12127361742"


def _lead(container: Container, clock: FixedClock, agency_id: int) -> int:
    with container.uow() as uow:
        lead_id = insert_lead(uow.conn, agency_id=agency_id, now=clock.now(), phone=PHONE)
        uow.commit()
    return lead_id


def _state(container: Container, lead_id: int) -> tuple[bool, list[str]]:
    with container.engine.connect() as conn:
        flag = conn.execute(sa.select(leads.c.do_not_contact).where(leads.c.id == lead_id))
        events = conn.execute(
            sa.select(lead_events.c.type)
            .where(lead_events.c.lead_id == lead_id)
            .order_by(lead_events.c.id)
        )
        return bool(flag.scalar()), list(events.scalars())


def test_an_unsigned_or_wrongly_signed_stop_is_refused_with_403_and_records_nothing(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = signing_agency(client, container)
    lead_id = _lead(container, clock, agency.id)
    stop = {"From": PHONE, "Body": "STOP"}

    unsigned = post_sms(client, agency.form_key, stop, token=None)
    forged = post_sms(client, agency.form_key, stop, token="somebody-elses-token")
    more_fields = post_sms(client, agency.form_key, {"From": PHONE, "Body": "STOP", "To": "+1"})

    for answer in (unsigned, forged):
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
    assert more_fields.status_code == 200  # the signature covers every field sent
    flag, events = _state(container, lead_id)
    assert events == ["sms_opt_out"]  # only the properly signed one
    assert flag is True


def test_an_agency_without_an_sms_auth_token_refuses_every_inbound_text(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    lead_id = _lead(container, clock, agency.id)

    answer = post_sms(client, agency.form_key, {"From": PHONE, "Body": "STOP"})

    assert answer.status_code == 403
    assert "no SMS auth token" in answer.json()["detail"]
    assert _state(container, lead_id) == (False, [])


def test_a_signed_stop_opts_out_and_start_or_unstop_opts_back_in(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = signing_agency(client, container)
    lead_id = _lead(container, clock, agency.id)

    assert post_sms(client, agency.form_key, {"From": PHONE, "Body": "Stop."}).status_code == 200
    assert _state(container, lead_id)[0] is True
    assert post_sms(client, agency.form_key, {"From": PHONE, "Body": "start"}).status_code == 200
    assert _state(container, lead_id)[0] is False
    post_sms(client, agency.form_key, {"From": PHONE, "Body": "QUIT"})
    post_sms(client, agency.form_key, {"From": PHONE, "Body": "UNSTOP"})

    assert _state(container, lead_id) == (
        False,
        ["sms_opt_out", "sms_opt_in", "sms_opt_out", "sms_opt_in"],
    )


def test_help_is_answered_in_twiml_with_the_agency_name_and_how_to_stop(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container, "Acme Insurance")
    give_sms_token(client, agency)

    answer = post_sms(client, agency.form_key, {"From": PHONE, "Body": "help"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<Message>Acme Insurance: reply STOP to opt out" in answer.text


def test_a_manager_clears_do_not_contact_with_a_reason_that_is_recorded(
    client: TestClient, container: Container, clock: FixedClock
) -> None:
    agency = signing_agency(client, container)
    lead_id = _lead(container, clock, agency.id)
    post_sms(client, agency.form_key, {"From": PHONE, "Body": "STOP"})

    no_reason = client.post(
        f"/v1/leads/{lead_id}/do-not-contact/clear", json={}, headers=agency.headers
    )
    cleared = client.post(
        f"/v1/leads/{lead_id}/do-not-contact/clear",
        json={"reason": "consumer asked by phone to be called back"},
        headers=agency.headers,
    )

    assert no_reason.status_code == 422
    assert cleared.status_code == 204
    assert _state(container, lead_id) == (False, ["sms_opt_out", "do_not_contact_cleared"])
    with container.engine.connect() as conn:
        data = conn.execute(
            sa.select(lead_events.c.data).where(lead_events.c.type == "do_not_contact_cleared")
        ).scalar_one()
    assert data["reason"] == "consumer asked by phone to be called back"
    assert data["actor"].startswith("key ")


def test_the_sms_auth_token_is_stored_encrypted_and_never_shown(
    client: TestClient, container: Container
) -> None:
    agency = signing_agency(client, container)

    shown = client.get("/v1/agency/security", headers=agency.headers).json()
    with container.engine.connect() as conn:
        stored = conn.execute(
            sa.select(agencies.c.settings).where(agencies.c.id == agency.id)
        ).scalar_one()

    assert shown == {"sms_auth_token_set": True, "allow_private_webhook_targets": False}
    assert SMS_TOKEN not in str(stored)
    assert stored["sms_auth_token"].startswith("fernet:")
