"""Wire the channels the dispatcher delivers through, from Settings."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadrouter.config import Settings
from leadrouter.notify.channel import Channel, ConsumerBlocked
from leadrouter.notify.dispatcher import RetryPolicy
from leadrouter.notify.email import SmtpEmail
from leadrouter.notify.inapp import InAppChannel
from leadrouter.notify.sms import SmsChannel, SmsProvider, TwilioCompatibleSms, UnconfiguredSms
from leadrouter.notify.webhook import WebhookChannel
from leadrouter.sealing import sealer
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork


def consumer_blocked(engine: Engine) -> ConsumerBlocked:
    """A check, made just before sending, that the lead has not become do-not-contact."""

    def blocked(agency_id: int, lead_id: int) -> bool:
        with UnitOfWork(engine, readonly=True) as uow:
            flag = uow.conn.execute(
                sa.select(leads.c.do_not_contact).where(
                    leads.c.id == lead_id, leads.c.agency_id == agency_id
                )
            ).scalar()
        return bool(flag)

    return blocked


def sms_provider(settings: Settings, client: httpx.Client | None = None) -> SmsProvider:
    """The Twilio-compatible provider when configured, else one that refuses every text."""
    if settings.sms_account_sid and settings.sms_auth_token and settings.sms_from:
        return TwilioCompatibleSms(
            base_url=settings.sms_base_url,
            account_sid=settings.sms_account_sid,
            auth_token=settings.sms_auth_token,
            from_number=settings.sms_from,
            client=client,
            timeout=settings.sms_timeout_seconds,
        )
    return UnconfiguredSms()


def build_channels(
    settings: Settings,
    engine: Engine,
    *,
    sms: SmsProvider | None = None,
    http: httpx.Client | None = None,
) -> dict[str, Channel]:
    """Every channel by name: email, sms, webhook, inapp."""
    blocked = consumer_blocked(engine)
    return {
        "email": SmtpEmail(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            consumer_blocked=blocked,
        ),
        "sms": SmsChannel(sms or sms_provider(settings, http), consumer_blocked=blocked),
        "webhook": WebhookChannel(
            engine,
            sealer=sealer(settings),
            client=http,
            timeout=settings.webhook_timeout_seconds,
        ),
        "inapp": InAppChannel(engine),
    }


def retry_policy(settings: Settings) -> RetryPolicy:
    """The dispatcher's retry policy, with the configured number of attempts."""
    return RetryPolicy(max_attempts=settings.outbox_max_attempts)
