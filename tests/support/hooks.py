"""Posting inbound provider hooks the way Twilio does: form-encoded and signed."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from leadrouter.bootstrap import Container
from tests.support.factories import TestAgency, make_agency

SMS_TOKEN = "test-auth-token-0123456789"


def give_sms_token(client: TestClient, agency: TestAgency, token: str = SMS_TOKEN) -> None:
    """Set the agency's SMS auth token through the API."""
    answer = client.patch(
        "/v1/agency/security", json={"sms_auth_token": token}, headers=agency.headers
    )
    assert answer.status_code == 200, answer.text


def signing_agency(client: TestClient, c: Container) -> TestAgency:
    """A new agency whose provider hooks are signed with ``SMS_TOKEN``."""
    agency = make_agency(c)
    give_sms_token(client, agency)
    return agency


def post_sms(
    client: TestClient,
    form_key: str,
    data: dict[str, str],
    *,
    token: str | None = SMS_TOKEN,
) -> httpx.Response:
    """Post an inbound text, signed with ``token`` (unsigned when None)."""
    path = f"/hooks/sms/{form_key}"
    headers = {}
    if token is not None:
        url = f"http://testserver{path}"
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, data)
    return client.post(path, data=data, headers=headers)
