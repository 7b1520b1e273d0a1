"""Helpers for the notification tests: rows to address, and a dispatcher run on the test clock."""

from __future__ import annotations

import random
from datetime import datetime

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.config import Settings
from leadrouter.notify.channel import Channel
from leadrouter.notify.channels import build_channels
from leadrouter.notify.dispatcher import DispatchStats, RetryPolicy, dispatch_once
from leadrouter.notify.sms import RecordingSms
from leadrouter.store.tables import outbox

NO_JITTER = RetryPolicy(jitter_fraction=0)
# What the templates are given about Maria Lopez's auto lead, handed from Pat to Sam.
MESSAGE_CONTEXT: dict[str, object] = {
    "agency_name": "Acme Insurance",
    "producer_name": "Pat Producer",
    "lead_name": "Maria Lopez",
    "lead_first_name": "Maria",
    "lead_id": 7,
    "insurance_type": "auto",
    "accept_by": None,
    "reason": "not contacted within 15 minutes",
    "from_producer": "Pat Producer",
    "to_producer": "Sam Backup",
}


def channels_for(
    container: Container,
    *,
    smtp_port: int = 1,
    sms: RecordingSms | None = None,
) -> dict[str, Channel]:
    settings = Settings(
        database_url=container.settings.database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_from="leads@acme.example",
        smtp_timeout_seconds=5,
        webhook_timeout_seconds=5,
    )
    return build_channels(settings, container.engine, sms=sms or RecordingSms())


def dispatch(
    container: Container,
    channels: dict[str, Channel],
    *,
    now: datetime | None = None,
    retry: RetryPolicy = NO_JITTER,
    limit: int = 50,
) -> DispatchStats:
    return dispatch_once(
        engine=container.engine,
        channels=channels,
        now=now or container.clock.now(),
        rng=random.Random(1),
        limit=limit,
        retry=retry,
    )


def rows(container: Container) -> list[sa.Row]:  # type: ignore[type-arg]
    with container.engine.connect() as conn:
        return list(conn.execute(sa.select(outbox).order_by(outbox.c.id)).all())
