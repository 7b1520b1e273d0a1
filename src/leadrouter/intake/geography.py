"""ZIP code → state, county, city and time zone, offline.

State, county and city come from the zipcodes package. Its time zones are wrong in split-zone
areas (and one Alaska ZIP names a zone that does not exist), so a ZIP's zone is taken from its
coordinates through timezonefinder's offline polygons, cross-checked with the ZIP data:

1. ``OVERRIDES`` (below, each with its reason) wins;
2. else the zone of the ZIP's coordinates, when that is a real zone (not an ``Etc/`` ocean
   zone, as military and some PO-box ZIPs give);
3. else the ZIP data's zone, when zoneinfo knows it;
4. else the state's zone (the most common among its ZIPs), flagged ``timezone_fallback``.

A zone ``zoneinfo`` refuses is never returned. When 2 and the ZIP data disagree the place says
so (``timezone_disputed``) and the coordinates win.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import zipcodes

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@dataclass(frozen=True)
class Place:
    """Where a five-digit ZIP code lies."""

    zip: str
    state: str
    county: str | None
    city: str | None
    timezone: str | None
    # Why the zone is less than certain: "fallback" (the state's zone) or "disputed" (the
    # ZIP data named another zone than the coordinates); None when both sources agree.
    timezone_note: str | None = None


# ZIP → zone, where neither source is right. Keep each with its reason.
OVERRIDES: dict[str, str] = {
    "99634": "America/Anchorage",  # Napakiak, AK: the ZIP data names a zone "Napakiak"
    "79847": "America/Denver",  # Salt Flat, TX: Hudspeth County keeps Mountain time; the
    # ZIP's centroid falls across the line
    "42757": "America/New_York",  # Magnolia, KY: LaRue County is Eastern; centroid on the line
}


_BUILDING = threading.Lock()


@functools.cache
def _index() -> dict[str, Place]:
    # zipcodes searches a list on every call; one dict built once makes a lookup O(1).
    with _BUILDING:  # threads that all missed the cache wait for one build
        return _build()


@functools.cache
def _build() -> dict[str, Place]:
    from timezonefinder import TimezoneFinder  # loads numpy: only when the index is built

    rows = zipcodes.list_all()  # type: ignore[no-untyped-call]
    known = zoneinfo.available_timezones()
    finder = TimezoneFinder()
    by_state = _state_zones(rows, known)
    return {
        z["zip_code"]: Place(
            zip=z["zip_code"],
            state=z["state"],
            county=z.get("county") or None,
            city=z.get("city") or None,
            **_zone(z, finder, known, by_state),
        )
        for z in rows
    }


def _state_zones(rows: list[dict[str, Any]], known: set[str]) -> dict[str, str]:
    counts: dict[str, Counter[str]] = {}
    for z in rows:
        if z.get("timezone") in known:
            counts.setdefault(z["state"], Counter())[z["timezone"]] += 1
    return {state: c.most_common(1)[0][0] for state, c in counts.items()}


def _zone(
    z: dict[str, Any], finder: TimezoneFinder, known: set[str], by_state: dict[str, str]
) -> dict[str, str | None]:
    listed = z.get("timezone") if z.get("timezone") in known else None
    if z["zip_code"] in OVERRIDES:
        return {"timezone": OVERRIDES[z["zip_code"]], "timezone_note": None}
    located = None
    with contextlib.suppress(KeyError, TypeError, ValueError):
        located = finder.timezone_at(lng=float(z["long"]), lat=float(z["lat"]))
    if located in known and not str(located).startswith("Etc/"):
        note = "disputed" if listed is not None and listed != located else None
        return {"timezone": located, "timezone_note": note}
    if listed is not None:
        return {"timezone": listed, "timezone_note": None}
    fallback = by_state.get(z["state"])
    return {"timezone": fallback, "timezone_note": "fallback" if fallback else None}


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
