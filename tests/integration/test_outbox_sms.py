from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.config import Settings
from leadrouter.notify.channels import build_channels
from leadrouter.notify.messages import enqueue_sms
from leadrouter.notify.sms import RecordingSms, TwilioCompatibleSms
from leadrouter.store.tables import leads
from tests.support.factories import insert_lead, make_agency
from tests.support.notify import channels_for, dispatch, rows
from tests.support.receivers import http_receiver

CONTEXT = {
    "agency_name": "Acme Insurance",
    "producer_name": "Pat Producer",
    "lead_first_name": "Maria",
    "insurance_type": "auto",
}


def queue_intro_text(container: Container, agency_id: int, lead_id: int | None = None) -> int:
    with container.uow() as uow:
        message_id = enqueue_sms(
            uow.conn,
            agency_id=agency_id,
            event="cadence.intro_sms",
            to="+12127360123",
            template="intro_sms",
            context=CONTEXT,
            now=container.clock.now(),
            consumer_lead_id=lead_id,
        )
        uow.commit()
    return message_id


def _twilio_at(container: Container, base_url: str, **settings: Any) -> Settings:
    """Settings with a Twilio-compatible SMS provider at ``base_url``, texting from
    +15005550006 (account AC1, token t unless ``settings`` say otherwise)."""
    provider = {"sms_account_sid": "AC1", "sms_auth_token": "t"} | settings
    return Settings(
        database_url=container.settings.database_url,
        sms_base_url=base_url,
        sms_from="+15005550006",
        **provider,
    )


def test_a_text_in_the_producers_name_goes_through_the_provider(container: Container) -> None:
    agency = make_agency(container)
    queue_intro_text(container, agency.id)
    sms = RecordingSms()
    assert dispatch(container, channels_for(container, sms=sms)).sent == 1
    assert sms.sent == [
        (
            "+12127360123",
            "Hi Maria, this is Pat Producer with Acme Insurance about your auto quote. "
            "I'll call you shortly. Reply STOP to opt out.",
        )
    ]
    assert rows(container)[0].provider_ref == "SM000001"


def test_the_twilio_compatible_provider_posts_the_form_with_basic_auth(
    container: Container,
) -> None:
    agency = make_agency(container)
    queue_intro_text(container, agency.id)
    with http_receiver() as (inbox, url):
        inbox.reply = b'{"sid": "SM0123456789", "status": "queued"}'
        inbox.default = 201
        settings = _twilio_at(container, url + "/", sms_account_sid="AC123", sms_auth_token="tok")
        stats = dispatch(container, build_channels(settings, container.engine))
        (request,) = inbox.requests
    assert stats.sent == 1
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"AC123:tok").decode()
    form = parse_qs(request.body.decode())
    assert form["To"] == ["+12127360123"] and form["From"] == ["+15005550006"]
    assert form["Body"][0].startswith("Hi Maria, this is Pat Producer")
    assert rows(container)[0].provider_ref == "SM0123456789"


def test_a_slow_sms_provider_is_given_up_on_after_the_sms_timeout_not_the_webhook_one(
    container: Container,
) -> None:
    agency = make_agency(container)
    queue_intro_text(container, agency.id)
    with http_receiver() as (inbox, url):
        inbox.reply = b'{"sid": "SM1"}'
        inbox.delay = 1.0
        settings = _twilio_at(container, url, sms_timeout_seconds=0.2, webhook_timeout_seconds=30.0)
        stats = dispatch(container, build_channels(settings, container.engine))
    assert stats.retried == 1 and stats.sent == 0
    assert "SMS provider unreachable" in rows(container)[0].last_error


@pytest.mark.parametrize(("status", "outcome"), [(400, "dead"), (429, "pending"), (503, "pending")])
def test_the_provider_refusing_a_number_is_final_but_being_busy_is_retried(
    status: int,
    outcome: str,
) -> None:
    with http_receiver() as (inbox, url):
        inbox.default = status
        inbox.reply = b'{"code": 21211, "message": "Invalid To number"}'
        provider = TwilioCompatibleSms(
            base_url=url,
            account_sid="AC1",
            auth_token="t",
            from_number="+15005550006",
            client=httpx.Client(),
        )
        from leadrouter.notify.channel import DeliveryFailed

        with pytest.raises(DeliveryFailed) as failed:
            provider.send("+1", "hi")
    assert failed.value.permanent == (outcome == "dead")
    assert f"HTTP {status}" in failed.value.detail


def test_without_a_configured_provider_texts_are_dead_letters_not_silence(
    container: Container,
) -> None:
    agency = make_agency(container)
    queue_intro_text(container, agency.id)
    settings = Settings(database_url=container.settings.database_url)
    assert dispatch(container, build_channels(settings, container.engine)).dead == 1
    assert "no SMS provider configured" in rows(container)[0].last_error


def test_a_text_waiting_in_the_outbox_is_not_sent_after_the_consumer_opts_out(
    container: Container,
) -> None:
    agency = make_agency(container)
    with container.uow() as uow:
        lead_id = insert_lead(
            uow.conn, agency_id=agency.id, now=container.clock.now(), phone="+12127360123"
        )
        uow.commit()
    queue_intro_text(container, agency.id, lead_id)
    with container.uow() as uow:
        uow.conn.execute(sa.update(leads).where(leads.c.id == lead_id).values(do_not_contact=True))
        uow.commit()
    sms = RecordingSms()
    assert dispatch(container, channels_for(container, sms=sms)).dead == 1
    assert sms.sent == []
    assert rows(container)[0].last_error == "the consumer opted out of texts"
