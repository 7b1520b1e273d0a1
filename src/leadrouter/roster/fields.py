"""Parsers for roster values, shared by the JSON API and the CSV importer.

Each parser takes what a person typed and returns the normalized value, or raises
``ValueError`` whose message is the reason, in words, fit to show next to the field.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadrouter.domain.compliance import US_STATES
from leadrouter.domain.model import (
    BusinessLine,
    LicenseStatus,
    LineOfAuthority,
    Role,
)
from leadrouter.intake.emails import normalize_email
from leadrouter.intake.phones import to_e164

_LIST_SPLIT = re.compile(r"[;|,]")
MAX_COUNT = 2**31 - 1  # the most a count column (a cap) holds

_AUTHORITY_ALIASES: dict[str, tuple[LineOfAuthority, ...]] = {
    "property": (LineOfAuthority.PROPERTY,),
    "casualty": (LineOfAuthority.CASUALTY,),
    "personal lines": (LineOfAuthority.PERSONAL_LINES,),
    "personal": (LineOfAuthority.PERSONAL_LINES,),
    "life": (LineOfAuthority.LIFE,),
    "accident health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "accident and health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "accident and sickness": (LineOfAuthority.ACCIDENT_HEALTH,),
    # NIPR's and many states' spelling.
    "accident and health or sickness": (LineOfAuthority.ACCIDENT_HEALTH,),
    "accident health or sickness": (LineOfAuthority.ACCIDENT_HEALTH,),
    "a h": (LineOfAuthority.ACCIDENT_HEALTH,),
    "health": (LineOfAuthority.ACCIDENT_HEALTH,),
    "variable": (LineOfAuthority.VARIABLE,),
    "variable life and variable annuity": (LineOfAuthority.VARIABLE,),
    "variable life variable annuity": (LineOfAuthority.VARIABLE,),
    "surety": (LineOfAuthority.SURETY,),
    "title": (LineOfAuthority.TITLE,),
    "p c": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
    "property and casualty": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
    "property casualty": (LineOfAuthority.PROPERTY, LineOfAuthority.CASUALTY),
}


def split_list(raw: str) -> list[str]:
    """Items of a list cell separated by ``;``, ``|`` or ``,``; blanks dropped."""
    return [item.strip() for item in _LIST_SPLIT.split(raw) if item.strip()]


def phone(raw: str) -> str:
    """A phone number in E.164 (``+12125550101``); US numbers may omit the country code."""
    try:
        return to_e164(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{raw.strip()!r} {exc}") from None


def email(raw: str) -> str:
    """An email address, normalized as leads and clients are stored and matched."""
    return normalize_email(raw.strip())


def parse_timezone(raw: str) -> str:
    """An IANA time zone name, e.g. ``America/Chicago``."""
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        reason = f"unknown time zone {raw!r}; use an IANA name like America/Chicago"
        raise ValueError(reason) from None
    return name


def parse_state(raw: str) -> str:
    """A two-letter USPS state code (DC, PR and the territories included)."""
    code = raw.strip().upper()
    if code not in US_STATES:
        raise ValueError(f"{raw!r} is not a two-letter US state code")
    return code


def parse_states(raw: str) -> frozenset[str]:
    return frozenset(parse_state(item) for item in split_list(raw))


def parse_business_line(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return BusinessLine(value).value
    except ValueError:
        allowed = ", ".join(b.value for b in BusinessLine)
        raise ValueError(f"unknown line of business {raw!r}; use {allowed}") from None


def parse_business_lines(raw: str) -> frozenset[str]:
    return frozenset(parse_business_line(item) for item in split_list(raw))


def parse_authority(raw: str) -> frozenset[str]:
    """Lines of authority from their common spellings ("Accident & Health", "P&C", ...)."""
    key = re.sub(r"[^a-z]+", " ", raw.lower().replace("&", " and ")).strip()
    found = _AUTHORITY_ALIASES.get(key) or _AUTHORITY_ALIASES.get(key.replace(" and ", " "))
    if found is None:
        allowed = ", ".join(line.value for line in LineOfAuthority)
        raise ValueError(f"unknown line of authority {raw!r}; use {allowed}")
    return frozenset(line.value for line in found)


def parse_authorities(raw: str) -> frozenset[str]:
    lines: set[str] = set()
    for item in split_list(raw):
        lines |= parse_authority(item)
    if not lines:
        raise ValueError("at least one line of authority is needed")
    return frozenset(lines)


def parse_role(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return Role(value).value
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {raw!r}; use {allowed}") from None


def parse_license_status(raw: str) -> str:
    value = raw.strip().lower()
    try:
        return LicenseStatus(value).value
    except ValueError:
        allowed = ", ".join(s.value for s in LicenseStatus)
        raise ValueError(f"unknown license status {raw!r}; use {allowed}") from None


_TRUE = {"true", "yes", "y", "1", "active", "resident", "r", "x"}
_FALSE = {"false", "no", "n", "0", "inactive", "non-resident", "nonresident", "non resident", "nr"}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not yes/no")


def parse_count(raw: str) -> int:
    """A whole number zero or above (a cap, a weight)."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
    if value < 0:
        raise ValueError("must be zero or more")
    if value > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT}")
    return value


def parse_weight(raw: str) -> int:
    """A rotation weight, 0 to 1000."""
    value = parse_count(raw)
    if value > 1000:
        raise ValueError("must be at most 1000")
    return value


def parse_money(raw: str) -> Decimal:
    """An amount like ``18.50`` or ``$18.50``: zero or more, cents at most."""
    text = raw.strip().removeprefix("$").replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError("must be an amount of zero or more")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("at most two decimal places")
    if value >= Decimal("100000000"):
        raise ValueError("too large")
    return value.quantize(Decimal("0.01"))


def parse_date(raw: str) -> date:
    """An ISO date, ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None


def parse_zip_range(raw: str) -> tuple[str, str]:
    """``10001-10099`` (or a single ZIP) as a (low, high) pair of five-digit ZIPs."""
    low, _, high = (part.strip() for part in raw.partition("-"))
    high = high or low
    if not (re.fullmatch(r"\d{5}", low) and re.fullmatch(r"\d{5}", high)):
        raise ValueError(f"{raw!r} is not a ZIP range like 10001-10099")
    if high < low:
        raise ValueError(f"ZIP range {raw!r} runs backwards")
    return low, high


def parse_zip_prefix(raw: str) -> str:
    text = raw.strip()
    if not re.fullmatch(r"\d{1,5}", text):
        raise ValueError(f"{raw!r} is not a ZIP prefix (1 to 5 digits)")
    return text
