"""Email addresses: syntax only (no DNS, no network), normalized for matching."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """The reason an email address was refused."""


def normalize_email(raw: str) -> str:
    """The address in the form leads and clients are stored and matched in, or InvalidEmail.

    Lower-cased whole: mailbox names are case-insensitive in practice, and dedupe must see
    ``Jane@x.com`` and ``jane@x.com`` as one person.
    """
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
    return result.normalized.lower()
