"""The pages' ``phone_display`` filter: a stored E.164 number the way people read it."""

import pytest

from leadrouter.web.templating import templates


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+12125550142", "(212) 555-0142"),  # +1: national, as a US producer dials it
        ("+14165550199", "(416) 555-0199"),  # Canada shares +1
        ("+442079460958", "+44 20 7946 0958"),  # elsewhere: international
        ("+61291234567", "+61 2 9123 4567"),
        (None, ""),
        ("", ""),
        ("anonymous", "anonymous"),  # not a number: as stored, never blanked
        ("2125550142", "2125550142"),  # no country code to read it by
        ("+1212", "+1212"),  # parses, but no such number: not cut to "212"
    ],
)
def test_a_stored_number_is_shown_as_people_read_it_else_as_stored(
    stored: str | None, shown: str
) -> None:
    assert templates.env.filters["phone_display"](stored) == shown


def test_a_call_link_dials_the_stored_number_and_reads_the_national_one() -> None:
    link = templates.env.from_string('<a href="tel:{{ p }}">Call {{ p|phone_display }}</a>')
    assert link.render(p="+12125550142") == '<a href="tel:+12125550142">Call (212) 555-0142</a>'
