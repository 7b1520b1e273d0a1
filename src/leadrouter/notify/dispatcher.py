"""Deliver what is due in the outbox: claim, deliver, then settle, each in its own short step.

1. A short transaction claims due rows: status "sending", a lease (``claimed_until``), and the
   attempt counted. 2. Each message is delivered outside any transaction (no lock is held
   while an SMTP server or a webhook receiver thinks). 3. A short transaction marks it sent, or
   schedules a retry with exponential backoff, or dead-letters it after ``max_attempts`` (or at
   once for a permanent failure).

A crash between 2 and 3 leaves a lease that lapses; the row is then claimed and delivered
again. Email, SMS and webhooks are therefore delivered at least once: a crash at exactly that
instant repeats one message. Webhook receivers dedupe on the ``X-Leadrouter-Delivery`` header
(the outbox id, the same on every attempt); emails carry it as a header too. In-app alerts are
exactly once (the alert row is keyed by its outbox id).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from leadrouter.domain.timers import backoff
from leadrouter.notify import outbox
from leadrouter.notify.channel import Channel, DeliveryFailed, OutboundMessage
from leadrouter.store.uow import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a message is retried."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_seconds: float = 30
    cap_seconds: float = 3600
    jitter_fraction: float = 0.2
    lease: timedelta = timedelta(minutes=5)


def dispatch_once(
    *,
    engine: Engine,
    channels: Mapping[str, Channel],
    now: datetime,
    rng: random.Random,
    limit: int = 50,
    retry: RetryPolicy = RetryPolicy(),
) -> DispatchStats:
    """Claim up to ``limit`` due messages, deliver each, and record how it went."""
    with UnitOfWork(engine) as uow:
        claimed = outbox.claim_due(uow.conn, now, limit, lease=retry.lease)
        uow.commit()
    stats = DispatchStats(claimed=len(claimed))
    lease_end = now + retry.lease
    for message in claimed:
        error, permanent, ref = _deliver(channels, message, now)
        with UnitOfWork(engine) as uow:
            if error is None:
                outbox.mark_sent(
                    uow.conn, message.id, lease_end=lease_end, now=now, provider_ref=ref
                )
                stats.sent += 1
            elif permanent or message.attempts >= retry.max_attempts:
                outbox.mark_failed(
                    uow.conn, message.id, lease_end=lease_end, error=error, retry_at=None
                )
                stats.dead += 1
                log.warning(
                    "outbox %s dead after %s attempts: %s", message.id, message.attempts, error
                )
            else:
                wait = backoff(
                    message.attempts,
                    retry.base_seconds,
                    retry.cap_seconds,
                    retry.jitter_fraction,
                    rng,
                )
                outbox.mark_failed(
                    uow.conn, message.id, lease_end=lease_end, error=error, retry_at=now + wait
                )
                stats.retried += 1
            uow.commit()
    return stats


def _deliver(
    channels: Mapping[str, Channel], message: OutboundMessage, now: datetime
) -> tuple[str | None, bool, str | None]:
    """(error, permanent, provider reference) of one delivery attempt."""
    channel = channels.get(message.channel)
    if channel is None:
        return f"no {message.channel!r} channel is configured", True, None
    try:
        return None, False, channel.deliver(message, now)
    except DeliveryFailed as failed:
        return failed.detail, failed.permanent, None
    except Exception as exc:  # a channel bug must not stop the other messages
        log.exception("outbox %s: %s channel raised", message.id, message.channel)
        return f"{type(exc).__name__}: {exc}", False, None
