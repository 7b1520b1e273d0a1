from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from leadrouter.domain.timer_policy import DEFAULT_CADENCE, CadenceAction
from leadrouter.notify.templates import EMAILS, TEXTS, render_email, render_text
from leadrouter.notify.webhook import EVENTS, sign
from tests.support.notify import MESSAGE_CONTEXT

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_every_default_cadence_step_has_a_template_for_its_channel() -> None:
    for step in DEFAULT_CADENCE:
        if step.action == CadenceAction.SMS_CONSUMER:
            assert step.template in TEXTS
        else:
            assert step.template in EMAILS, step


@pytest.mark.parametrize(
    "name",
    [
        "new_lead",
        "warn_producer",
        "call_reminder",
        "reassigned",
        "alert_manager",
        "intro_email",
        "last_email",
        "nurture",
    ],
)
def test_emails_carry_the_producers_and_agencys_names(name: str) -> None:
    email = render_email(name, MESSAGE_CONTEXT)
    text = email.subject + email.body
    assert "Acme Insurance" in text or "Pat Producer" in text
    assert "{{" not in text and "\n" not in email.subject


def test_a_text_to_a_consumer_says_who_is_writing_and_how_to_stop() -> None:
    text = render_text("intro_sms", MESSAGE_CONTEXT)
    assert "Pat Producer with Acme Insurance" in text and text.endswith("Reply STOP to opt out.")


def test_an_offer_names_its_deadline_and_a_plain_assignment_does_not() -> None:
    offer = render_email("new_lead", MESSAGE_CONTEXT | {"accept_by": "2026-03-03 09:02"})
    plain = render_email("new_lead", MESSAGE_CONTEXT)
    assert "accept it by 2026-03-03 09:02" in offer.body and "accept" not in plain.body


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(Exception, match="producer_name"):
        render_text(
            "intro_sms", {"lead_first_name": "Maria", "agency_name": "A", "insurance_type": "auto"}
        )
    with pytest.raises(ValueError, match="no email template"):
        render_email("nope", MESSAGE_CONTEXT)


def test_the_docs_list_every_webhook_event() -> None:
    text = DOCS.read_text()
    for event in EVENTS:
        assert f"`{event}`" in text


def test_the_verification_example_in_the_docs_accepts_our_signature() -> None:
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOCS), "exec"), namespace)
    verify = namespace["verify"]
    body = b'{"event":"lead.created","id":"1"}'
    secret, other = "whsec_" + "A" * 32, "whsec_" + "B" * 32

    def headers(at: int, *secrets: str) -> dict[str, str]:
        return {
            "webhook-id": "1",
            "webhook-timestamp": str(at),
            "webhook-signature": sign(list(secrets), "1", at, body),
        }

    now = int(time.time())
    assert verify(secret, headers(now, secret), body)
    assert verify(secret, headers(now, other, secret), body)  # a rotation overlap
    assert not verify(secret, headers(now, secret), body + b"x")
    assert not verify(other, headers(now, secret), body)
    assert not verify(secret, headers(now - 3600, secret), body)
