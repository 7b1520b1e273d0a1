"""Every ZIP's time zone is one zoneinfo knows, and right in split-zone areas (issue 9, item 7)."""

import zoneinfo

import pytest

from leadrouter.intake import geography


def test_every_zip_gets_a_zone_zoneinfo_knows_and_split_zone_zips_follow_their_coordinates() -> (
    None
):
    known = zoneinfo.available_timezones()
    places = list(geography._index().values())

    assert all(p.timezone is None or p.timezone in known for p in places)
    assert geography.place_of("99634").timezone == "America/Anchorage"  # data said "Napakiak"


@pytest.mark.parametrize(
    ("zip5", "zone"),
    [
        ("86040", "America/Phoenix"),  # Page, AZ: outside the Navajo Nation, no DST
        ("86045", "America/Denver"),  # Tuba City, AZ: Navajo Nation keeps DST
        ("79942", "America/Denver"),  # El Paso, TX: Mountain time
        ("37405", "America/New_York"),  # Chattanooga, TN: Eastern
        ("89883", "America/Denver"),  # West Wendover, NV: Mountain time
        ("79847", "America/Denver"),  # an override, with its reason in geography.py
    ],
)
def test_split_zone_zips_get_the_zone_of_where_they_are(zip5: str, zone: str) -> None:
    place = geography.place_of(zip5)

    assert place is not None and place.timezone == zone
