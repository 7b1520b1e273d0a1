import pytest

from leadrouter.intake import geography


@pytest.mark.parametrize("raw", ["10001", "10001-1234", "100011234", " 10001 "])
def test_zip_plus_four_is_cut_to_five_digits(raw: str) -> None:
    assert geography.five_digit_zip(raw) == "10001"


@pytest.mark.parametrize("raw", ["1000", "ABCDE", "10001-12", "10001 1234 5"])
def test_text_that_is_no_zip_code_is_recognized(raw: str) -> None:
    assert geography.five_digit_zip(raw) is None


def test_a_zip_code_gives_state_county_city_and_time_zone() -> None:
    place = geography.place_of("10001")
    assert place is not None
    assert (place.state, place.county, place.city, place.timezone) == (
        "NY",
        "New York County",
        "New York",
        "America/New_York",
    )


def test_a_zip_code_that_does_not_exist_has_no_place() -> None:
    assert geography.place_of("00000") is None


def test_the_zip_index_is_built_once_and_then_only_looked_up() -> None:
    geography.warm()
    before = geography._index.cache_info()
    for _ in range(100):
        geography.place_of("60601")
    after = geography._index.cache_info()
    assert after.misses == before.misses
    assert after.currsize == 1


def test_known_states_include_the_territories() -> None:
    assert {"NY", "CA", "DC", "PR"} <= geography.known_states()
    assert "ZZ" not in geography.known_states()
