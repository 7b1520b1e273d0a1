"""Phone numbers → E.164, refusing numbers that cannot exist."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

DEFAULT_REGION = "US"

_IMPOSSIBLE = {
    ValidationResult.INVALID_COUNTRY_CODE: "has an unknown country code",
    ValidationResult.TOO_SHORT: "is too short",
    ValidationResult.TOO_LONG: "is too long",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "lacks an area code",
    ValidationResult.INVALID_LENGTH: "has an impossible length",
}


_UNPARSABLE = {
    NumberParseException.INVALID_COUNTRY_CODE: "has an unknown country code",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
    NumberParseException.TOO_SHORT_NSN: "is too short",
    NumberParseException.TOO_LONG: "is too long",
}


class InvalidPhone(ValueError):
    """The reason a phone number was refused."""


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """``raw`` in E.164 (``+12125550123``), or InvalidPhone saying why it cannot be."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise InvalidPhone(_UNPARSABLE.get(exc.error_type, "is not a phone number")) from None
    why = phonenumbers.is_possible_number_with_reason(number)
    if why != ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(_IMPOSSIBLE.get(why, "is not a possible phone number"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("is not a valid phone number (no such number range)")
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
