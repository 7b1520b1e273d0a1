"""Checking our webhooks the way a receiver would: with the standardwebhooks package."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from unittest.mock import patch

import standardwebhooks.webhooks as sw
from fastapi.testclient import TestClient

from tests.support.factories import TestAgency

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_hnNTxBaK3ehiVHs2fBYnh6DXOJg3IxTi"


def verifies(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> bool:
    """Whether the Standard Webhooks reference verifier accepts this delivery (at ``now``:
    its five-minute tolerance is measured from the receiver's clock)."""
    clock = now

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:  # type: ignore[override]
            assert clock is not None
            moment = clock.astimezone(tz)
            return cls.fromtimestamp(moment.timestamp(), tz)

    try:
        if clock is None:
            sw.Webhook(secret).verify(body, dict(headers))
        else:
            with patch.object(sw, "datetime", Frozen):
                sw.Webhook(secret).verify(body, dict(headers))
    except sw.WebhookVerificationError:
        return False
    return True


def allow_private_targets(client: TestClient, agency: TestAgency) -> None:
    """Let the agency's webhooks go to a loopback receiver (the tests' own)."""
    answer = client.patch(
        "/v1/agency/security",
        json={"allow_private_webhook_targets": True},
        headers=agency.headers,
    )
    assert answer.status_code == 200, answer.text
