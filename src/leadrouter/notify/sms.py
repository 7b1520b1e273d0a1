"""Texts through a small provider interface, with a Twilio-compatible HTTP implementation.

``TwilioCompatibleSms`` posts form-encoded To/From/Body to
``{base_url}/2010-04-01/Accounts/{sid}/Messages.json`` with basic auth, so Twilio itself or
any provider (or local gateway) speaking that API works; the base URL is a setting.
Requests to it wait at most ``timeout`` seconds (``LEADROUTER_SMS_TIMEOUT_SECONDS``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import httpx

from leadrouter.notify.channel import ConsumerBlocked, DeliveryFailed, OutboundMessage


class SmsProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send a text; the provider's message id, or DeliveryFailed."""
        ...


class TwilioCompatibleSms:
    """An SMS provider speaking Twilio's Messages API."""

    def __init__(
        self,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._from = from_number
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, to: str, body: str) -> str:
        """Post the message; the provider's ``sid`` comes back."""
        try:
            response = self._client.post(
                self._url, data={"To": to, "From": self._from, "Body": body}, auth=self._auth
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS provider unreachable: {exc}") from exc
        if response.is_success:
            try:
                return str(response.json()["sid"])
            except (ValueError, KeyError) as exc:
                raise DeliveryFailed(f"SMS provider answered without a sid: {exc}") from exc
        # A 4xx other than 429 (bad number, unsubscribed recipient ...) will not get better.
        permanent = 400 <= response.status_code < 500 and response.status_code != 429
        raise DeliveryFailed(
            f"SMS provider HTTP {response.status_code}: {response.text[:300]}", permanent=permanent
        )


class RecordingSms:
    """A provider that keeps what it was asked to send: for tests and the simulator."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[DeliveryFailed] = []  # raised, in order, before sending again

    def send(self, to: str, body: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))
        return f"SM{len(self.sent):06d}"


class UnconfiguredSms:
    """What texts go to when no provider is configured: straight to the dead letters."""

    def send(self, to: str, body: str) -> str:
        raise DeliveryFailed(
            "no SMS provider configured (set LEADROUTER_SMS_ACCOUNT_SID, _AUTH_TOKEN, _FROM)",
            permanent=True,
        )


class SmsChannel:
    """The SMS channel: a provider, and a last look at the consumer's opt-out before sending."""

    def __init__(self, provider: SmsProvider, consumer_blocked: ConsumerBlocked | None = None):
        self._provider = provider
        self._blocked = consumer_blocked

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        """Text the recipient the payload's ``body``."""
        lead_id = message.payload.get("consumer_lead_id")
        if lead_id is not None and self._blocked and self._blocked(message.agency_id, lead_id):
            raise DeliveryFailed("the consumer opted out of texts", permanent=True)
        return self._provider.send(message.recipient, message.payload["body"])
