import pytest
from pydantic import ValidationError

from leadrouter.intake.settings import (
    DEFAULT_SETTINGS,
    IntakeSettings,
    from_agency_settings,
    required_for_source,
)


def test_an_agency_that_set_nothing_gets_the_defaults() -> None:
    settings = from_agency_settings({"routing": {"anything": 1}})
    assert settings == DEFAULT_SETTINGS
    assert settings.dedupe_window_days == 30
    assert set(settings.required_fields) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "zip",
        "insurance_type",
    }


def test_insurance_type_cannot_be_made_optional() -> None:
    with pytest.raises(ValidationError) as refused:
        IntakeSettings.model_validate({"required_fields": ["phone"]})
    assert refused.value.errors()[0]["loc"] == ("required_fields",)


def test_a_new_insurance_type_must_say_what_it_requires() -> None:
    with pytest.raises(ValidationError) as refused:
        IntakeSettings.model_validate({"insurance_types": {"pet": {"label": "Pet"}}})
    [error] = refused.value.errors()
    assert error["loc"] == ("insurance_types",)
    assert "pet is a new type: give its business_line and requires" in error["msg"]


@pytest.mark.parametrize(
    "document",
    [
        {"dedupe_window_days": -1},
        {"dedupe_window_days": 366},
        {"required_fields": ["insurance_type", "favorite_color"]},
        {"insurance_types": {"Bad Code": {"enabled": False}}},
        {"insurance_types": {"boat": {"requires": [["astrology"]]}}},
        {"insurance_types": {"boat": {"requires": [[]]}}},
        {"insurance_types": {"boat": {"colour": "red"}}},
        {"surprise": True},
    ],
)
def test_settings_that_make_no_sense_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        IntakeSettings.model_validate(document)


def test_a_lead_source_list_replaces_the_agency_default_but_keeps_insurance_type() -> None:
    required = required_for_source(DEFAULT_SETTINGS, ["phone", "unknown_field"])
    assert required == {"phone", "insurance_type"}


def test_without_a_source_list_the_agency_default_applies() -> None:
    assert required_for_source(DEFAULT_SETTINGS, None) == set(DEFAULT_SETTINGS.required_fields)
