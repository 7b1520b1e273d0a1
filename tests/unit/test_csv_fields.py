"""The value parsers shared by the roster API and the CSV importer."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from leadrouter.domain.model import Shift
from leadrouter.roster import fields, schedule
from leadrouter.roster.counties import parse_county


def test_working_hours_expand_day_ranges_and_keep_each_groups_times() -> None:
    shifts = schedule.parse_working_hours("Mon-Fri 09:00-17:00; Sat 10:00-14:00")
    assert len(shifts) == 6
    assert shifts[0] == Shift(0, time(9), time(17))
    assert shifts[-1] == Shift(5, time(10), time(14))


def test_working_hours_accept_day_lists_and_full_day_names() -> None:
    shifts = schedule.parse_working_hours("monday,Wednesday 08:00-12:00")
    assert [s.weekday for s in shifts] == [0, 2]


def test_working_hours_that_end_before_they_start_are_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        schedule.parse_working_hours("Mon 17:00-09:00")


def test_overlapping_shifts_on_one_day_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap on Tue"):
        schedule.parse_working_hours("Mon-Fri 09:00-13:00; Tue 12:00-18:00")


def test_nonsense_hours_say_what_they_should_look_like() -> None:
    with pytest.raises(ValueError, match="should look like"):
        schedule.parse_working_hours("weekdays")
    with pytest.raises(ValueError, match="not a weekday"):
        schedule.parse_working_hours("Funday 09:00-10:00")
    with pytest.raises(ValueError, match="not a time of day"):
        schedule.parse_working_hours("Mon 09:00-25:00")


def test_out_of_office_days_run_from_local_midnight_to_the_midnight_after_the_last_day() -> None:
    (period,) = schedule.parse_out_of_office("2026-12-24..2026-12-31", "America/New_York")
    assert period.start == datetime(2026, 12, 24, 5, 0, tzinfo=UTC)
    assert period.end == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)


def test_out_of_office_respects_daylight_saving_time() -> None:
    (period,) = schedule.parse_out_of_office("2026-07-04", "America/Chicago")
    assert period.start == datetime(2026, 7, 4, 5, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 7, 5, 5, 0, tzinfo=UTC)


def test_out_of_office_accepts_times_and_several_periods() -> None:
    periods = schedule.parse_out_of_office(
        "2026-05-01; 2026-04-01T12:00..2026-04-01T17:00", "America/New_York"
    )
    assert [p.start.isoformat() for p in periods] == [
        "2026-04-01T12:00:00-04:00",
        "2026-05-01T00:00:00-04:00",
    ]


def test_out_of_office_that_runs_backwards_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        schedule.parse_out_of_office("2026-05-03..2026-05-01", "UTC")


@pytest.mark.parametrize(
    ("typed", "lines"),
    [
        ("Property", {"property"}),
        ("Personal Lines", {"personal_lines"}),
        ("personal_lines", {"personal_lines"}),
        ("Accident & Health", {"accident_health"}),
        ("Accident and Health", {"accident_health"}),
        ("Accident & Health or Sickness", {"accident_health"}),
        ("A&H", {"accident_health"}),
        ("Health", {"accident_health"}),
        ("P&C", {"property", "casualty"}),
        ("Variable Life & Variable Annuity", {"variable"}),
    ],
)
def test_lines_of_authority_accept_their_common_spellings(typed: str, lines: set[str]) -> None:
    assert fields.parse_authority(typed) == lines


def test_an_unknown_line_of_authority_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="use property, casualty"):
        fields.parse_authority("Pet insurance")


def test_states_are_usps_codes_including_dc_and_puerto_rico() -> None:
    assert fields.parse_states("ny; dc|PR") == {"NY", "DC", "PR"}
    with pytest.raises(ValueError, match="not a two-letter US state"):
        fields.parse_state("New York")


def test_time_zones_must_be_iana_names() -> None:
    assert fields.parse_timezone(" America/Chicago ") == "America/Chicago"
    with pytest.raises(ValueError, match="unknown time zone"):
        fields.parse_timezone("Central")


def test_money_takes_dollar_signs_and_refuses_fractions_of_cents() -> None:
    assert fields.parse_money("$1,018.5") == Decimal("1018.50")
    with pytest.raises(ValueError, match="two decimal places"):
        fields.parse_money("0.125")
    with pytest.raises(ValueError, match="zero or more"):
        fields.parse_money("-1")


def test_zip_ranges_are_five_digit_pairs_in_order() -> None:
    assert fields.parse_zip_range("10001-10099") == ("10001", "10099")
    assert fields.parse_zip_range("10001") == ("10001", "10001")
    with pytest.raises(ValueError, match="runs backwards"):
        fields.parse_zip_range("10099-10001")
    with pytest.raises(ValueError, match="not a ZIP range"):
        fields.parse_zip_range("1001-1099")


def test_yes_no_cells_accept_residency_words() -> None:
    assert fields.parse_bool("Resident") is True
    assert fields.parse_bool("non-resident") is False
    with pytest.raises(ValueError, match="not yes/no"):
        fields.parse_bool("maybe")


def test_counties_are_spelled_as_the_zip_database_spells_them() -> None:
    assert parse_county("ny:kings") == "NY:Kings County"
    assert parse_county("LA:Orleans Parish") == "LA:Orleans Parish"
    with pytest.raises(ValueError, match="no county 'Atlantis' in NY"):
        parse_county("NY:Atlantis")
    with pytest.raises(ValueError, match="name the state too"):
        parse_county("Kings County")
