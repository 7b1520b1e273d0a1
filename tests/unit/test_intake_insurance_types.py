import pytest

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.intake.insurance_types import canonical_code, catalog
from leadrouter.intake.settings import TypeOverride


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("personal_auto", "personal_auto"),
        ("Personal Auto", "personal_auto"),
        ("auto", "personal_auto"),
        ("Workers' Comp", "workers_comp"),
        ("workers-compensation", "workers_comp"),
        ("BOP", "bop"),
        ("Business owner's policy", "bop"),
        ("Medigap", "medicare"),
    ],
)
def test_the_ways_people_write_an_insurance_type_reach_one_code(raw: str, code: str) -> None:
    assert canonical_code(raw) == code


def test_without_overrides_the_catalog_is_the_defaults() -> None:
    assert catalog({}) is DEFAULT_TYPES


def test_an_override_changes_only_what_it_names() -> None:
    types = catalog({"boat": TypeOverride(requires=[["property", "casualty"]])})
    assert types["boat"].requires == (frozenset({"property", "casualty"}),)
    assert types["boat"].label == DEFAULT_TYPES["boat"].label
    assert types["home"] == DEFAULT_TYPES["home"]


def test_an_agency_can_add_a_type_and_turn_one_off() -> None:
    types = catalog(
        {
            "pet": TypeOverride(
                label="Pet", business_line="personal", requires=[["personal_lines"]]
            ),
            "annuity": TypeOverride(enabled=False),
        }
    )
    assert types["pet"].requires == (frozenset({"personal_lines"}),)
    assert types["pet"].business_line == "personal"
    assert "annuity" not in types
    assert "annuity" in DEFAULT_TYPES
