"""Phone numbers → E.164, refusing numbers that cannot exist or cannot be a consumer's.

An extension (``212-736-1742 x12``) is kept apart, never silently dropped. A consumer's number
must be a North American (NANP, +1) one: the agency is licensed in US states, and its dialer,
its SMS provider and the consent rules it works under are for +1 numbers; a number abroad
(``+44 20 7946 0958``) is refused with its country named, never routed to a producer who
cannot call it. Nor may it be a fictional one (NANP 555-0100 to 555-0199, reserved for films
and examples) or a premium-rate one (area code 900, or exchange 976): calling those costs the
agency money and no consumer is reached.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

DEFAULT_REGION = "US"
NANP_COUNTRY_CODE = 1

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
    return parse_phone(raw, region)[1]


def split_extension(raw: str, region: str = DEFAULT_REGION) -> tuple[str, str | None]:
    """``raw`` in E.164 and its extension (None without one), or InvalidPhone."""
    return parse_phone(raw, region)[1:]


def consumer_number_problem(number: PhoneNumber) -> str | None:
    """Why a valid number (``parse_phone``'s) cannot be a consumer's (abroad, fictional or
    premium-rate), else None."""
    if number.country_code != NANP_COUNTRY_CODE:
        region = phonenumbers.region_code_for_number(number) or ""
        place = f"{region}, " if region.isalpha() and region != "ZZ" else ""
        return (
            f"is not a US or North American (+1) number ({place}+{number.country_code}): "
            "the agency cannot call it"
        )
    national = str(number.national_number)
    if national[3:6] == "555" and national[6:8] == "01":
        return "is a fictional number (555-0100 to 555-0199 are reserved for examples)"
    if national[:3] == "900" or national[3:6] == "976":
        return "is a premium-rate number (900 or 976)"
    return None


def for_display(e164: str | None) -> str:
    """A stored number the way people read it: national for a +1 number (``(212) 555-0142``),
    international otherwise (``+44 20 7946 0958``); "" for none, and a value that is not a
    possible number (an older row, a caller's withheld id) as it is stored."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if not phonenumbers.is_possible_number(number):
        return e164
    national = number.country_code == NANP_COUNTRY_CODE
    fmt = PhoneNumberFormat.NATIONAL if national else PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, fmt))


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> tuple[PhoneNumber, str, str | None]:
    """``raw`` parsed, in E.164, and its extension (None without one), or InvalidPhone."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise InvalidPhone(_UNPARSABLE.get(exc.error_type, "is not a phone number")) from None
    why = phonenumbers.is_possible_number_with_reason(number)
    if why != ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(_IMPOSSIBLE.get(why, "is not a possible phone number"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("is not a valid phone number (no such number range)")
    extension = number.extension or None
    if extension is not None and not (extension.isdigit() and len(extension) <= 10):
        raise InvalidPhone("has an extension that is not up to 10 digits")
    return number, str(phonenumbers.format_number(number, PhoneNumberFormat.E164)), extension
