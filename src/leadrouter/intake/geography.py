"""ZIP code → state, county, city and time zone, offline, from the zipcodes package."""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import zipcodes

_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@dataclass(frozen=True)
class Place:
    """Where a five-digit ZIP code lies."""

    zip: str
    state: str
    county: str | None
    city: str | None
    timezone: str | None


_BUILDING = threading.Lock()


@functools.cache
def _index() -> dict[str, Place]:
    # zipcodes searches a list on every call; one dict built once makes a lookup O(1).
    with _BUILDING:  # threads that all missed the cache wait for one build
        return _build()


@functools.cache
def _build() -> dict[str, Place]:
    return {
        z["zip_code"]: Place(
            zip=z["zip_code"],
            state=z["state"],
            county=z.get("county") or None,
            city=z.get("city") or None,
            timezone=z.get("timezone") or None,
        )
        for z in zipcodes.list_all()  # type: ignore[no-untyped-call]
    }


@functools.cache
def known_states() -> frozenset[str]:
    """Every state, district and territory code that has a ZIP code."""
    return frozenset(p.state for p in _index().values())


def warm() -> None:
    """Build the ZIP index now rather than on the first lead."""
    _index()


def five_digit_zip(raw: str) -> str | None:
    """The five-digit ZIP of ``12345``, ``12345-6789`` or ``123456789``; None if neither."""
    match = _ZIP.match(raw.strip())
    return match.group(1) if match else None


def place_of(zip5: str) -> Place | None:
    """The place of a five-digit ZIP code, or None when no such ZIP exists."""
    return _index().get(zip5)
