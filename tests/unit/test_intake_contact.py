import pytest

from leadrouter.intake.emails import InvalidEmail, normalize_email
from leadrouter.intake.phones import InvalidPhone, to_e164


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(212) 867-5309", "+12128675309"),
        ("212.867.5309", "+12128675309"),
        ("1-212-867-5309", "+12128675309"),
        ("+1 212 867 5309", "+12128675309"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_in_any_format_become_e164(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("123", "is too short"),
        ("555-1234", "lacks an area code"),
        ("212 867 5309 1234", "is too long"),
        ("+1 999 555 1234", "is not a valid phone number (no such number range)"),
        ("call me", "is not a phone number"),
    ],
)
def test_impossible_phone_numbers_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as refused:
        to_e164(raw)
    assert str(refused.value) == reason


def test_emails_are_lower_cased_so_the_same_person_matches() -> None:
    assert normalize_email("Maria.Lopez@Example.COM") == "maria.lopez@example.com"


@pytest.mark.parametrize("raw", ["maria@", "maria", "maria lopez@example.com", "m@localhost"])
def test_malformed_emails_are_refused_without_asking_the_network(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        normalize_email(raw)
