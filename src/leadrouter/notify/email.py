"""Email over SMTP (smtplib), to the host and port in Settings.

The outbox payload holds the rendered ``subject`` and ``body``; ``from_name`` and ``reply_to``
let a consumer email go out in the producer's name with replies reaching the producer.
A 5xx answer from the server is permanent (dead at once); anything else is retried.
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from leadrouter.notify.channel import ConsumerBlocked, DeliveryFailed, OutboundMessage


class SmtpEmail:
    """The email channel."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
        consumer_blocked: ConsumerBlocked | None = None,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout
        self._blocked = consumer_blocked

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        """Send one email; its Message-ID is the provider reference."""
        lead_id = message.payload.get("consumer_lead_id")
        if lead_id is not None and self._blocked and self._blocked(message.agency_id, lead_id):
            raise DeliveryFailed("the consumer asked not to be contacted", permanent=True)
        email = self.compose(message, now)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._username:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _ in refused.recipients.values()]
            raise DeliveryFailed(
                f"recipient refused: {refused.recipients}", permanent=all(c >= 500 for c in codes)
            ) from refused
        except smtplib.SMTPResponseException as answer:
            raise DeliveryFailed(
                f"SMTP {answer.smtp_code}: {answer.smtp_error!r}", permanent=answer.smtp_code >= 500
            ) from answer
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {self._host}:{self._port}: {exc}") from exc
        return str(email["Message-ID"])

    def compose(self, message: OutboundMessage, now: datetime) -> EmailMessage:
        """The email for an outbox message (also what tests and previews look at)."""
        payload = message.payload
        email = EmailMessage()
        email["From"] = formataddr((payload.get("from_name") or "", self._sender))
        email["To"] = message.recipient
        if payload.get("reply_to"):
            email["Reply-To"] = payload["reply_to"]
        # A header value never carries a line break: one in a lead's name once made every
        # retry of its email fail (and could have added headers).
        email["Subject"] = " ".join(str(payload["subject"]).split())
        email["Date"] = format_datetime(now)
        email["Message-ID"] = make_msgid(
            idstring=f"outbox-{message.id}", domain=self._sender.rpartition("@")[2] or "localhost"
        )
        email["X-Leadrouter-Delivery"] = str(message.id)
        email["X-Leadrouter-Event"] = message.event
        email.set_content(payload["body"])
        return email
