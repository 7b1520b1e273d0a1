"""County names as the ZIP database spells them, so a territory's counties match leads'."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, cast

from leadrouter.roster.fields import parse_state, split_list

_SUFFIXES = ("county", "parish", "borough", "census area", "municipality", "city and borough")


def _key(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    for suffix in _SUFFIXES:
        if words.endswith(" " + suffix):
            return words[: -len(suffix) - 1]
    return words


@cache
def _counties() -> dict[tuple[str, str], str]:
    """(state, loose county key) -> the county's name in the ZIP database; built once."""
    import zipcodes

    index: dict[tuple[str, str], str] = {}
    entries = cast(list[dict[str, Any]], zipcodes.list_all())  # type: ignore[no-untyped-call]
    for entry in entries:
        county = entry.get("county")
        if county:
            index.setdefault((entry["state"], _key(county)), county)
    return index


def parse_county(raw: str) -> str:
    """``NY:Kings County`` (or ``NY:Kings``) as the ``STATE:County Name`` that leads carry."""
    state_part, sep, county_part = raw.partition(":")
    if not sep or not county_part.strip():
        raise ValueError(f"{raw!r} should name the state too, like NY:Kings County")
    state = parse_state(state_part)
    name = _counties().get((state, _key(county_part)))
    if name is None:
        raise ValueError(f"no county {county_part.strip()!r} in {state}")
    return f"{state}:{name}"


def parse_counties(raw: str) -> frozenset[str]:
    return frozenset(parse_county(item) for item in split_list(raw))
