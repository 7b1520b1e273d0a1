"""Server secrets: encryption at rest for stored credentials, and the audit key.

Stored secrets (webhook signing secrets, an agency's SMS auth token) are sealed with
Fernet under ``LEADROUTER_SECRETS_KEY`` and carry a ``fernet:`` prefix, so values written
before encryption existed (plain text) still open. Without configured keys a fixed
development key is used: fine for the demo and tests, never for production (docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from leadrouter.config import Settings

PREFIX = "fernet:"
_DEV_SECRETS = "leadrouter development secrets key: set LEADROUTER_SECRETS_KEY"
DEV_AUDIT_KEY = b"leadrouter development audit key: set LEADROUTER_AUDIT_KEY"


class SealedValueUnreadable(Exception):
    """A sealed value that the configured key cannot open (the key was changed)."""


class Sealer:
    """Seals and opens short secrets for storage."""

    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode() if key else _derived(_DEV_SECRETS))

    def seal(self, plain: str) -> str:
        """The value as stored: encrypted and prefixed."""
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str) -> str:
        """The plain value of a stored one (plain-text legacy values pass through)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SealedValueUnreadable("a stored secret does not open with this key") from None


def sealer(settings: Settings) -> Sealer:
    """The sealer for the configured secrets key."""
    return Sealer(settings.secrets_key)


def audit_key(settings: Settings) -> bytes:
    """The HMAC key of the audit chain and its checkpoints."""
    return settings.audit_key.encode() if settings.audit_key else DEV_AUDIT_KEY


def _derived(phrase: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(phrase.encode()).digest())
