from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadrouter.intake.contract import FIELD_NAMES, MAX_ATTRIBUTES_BYTES
from leadrouter.intake.insurance_types import catalog
from leadrouter.intake.normalize import NormalizedLead, normalize
from leadrouter.intake.settings import DEFAULT_SETTINGS

REQUIRED = frozenset(DEFAULT_SETTINGS.required_fields)
TYPES = catalog(None)
VALID: dict[str, Any] = {
    "first_name": " Maria ",
    "last_name": "Lopez",
    "email": "Maria@Example.com",
    "phone": "(212) 867-5309",
    "zip": "10001-1234",
    "insurance_type": "Personal Auto",
}


def run(payload: dict[str, Any], required: frozenset[str] = REQUIRED) -> Any:
    return normalize(payload, required=required, types=TYPES)


def errors_of(payload: dict[str, Any], required: frozenset[str] = REQUIRED) -> dict[str, str]:
    result = run(payload, required)
    assert isinstance(result, list), result
    return {e.field: e.reason for e in result}


def test_a_valid_lead_is_normalized_and_enriched_from_its_zip() -> None:
    lead = run(VALID)
    assert isinstance(lead, NormalizedLead)
    assert lead.first_name == "Maria"
    assert lead.phone == "+12128675309"
    assert lead.email == "maria@example.com"
    assert (lead.zip, lead.state, lead.county, lead.city, lead.timezone) == (
        "10001",
        "NY",
        "New York County",
        "New York",
        "America/New_York",
    )
    assert (lead.insurance_type, lead.business_line) == ("personal_auto", "personal")
    assert lead.flags == {}
    assert lead.exclusive is False


def test_a_missing_required_field_is_named() -> None:
    assert errors_of({k: v for k, v in VALID.items() if k != "zip"}) == {"zip": "is required"}


def test_blank_text_counts_as_missing() -> None:
    assert errors_of({**VALID, "last_name": "   "}) == {"last_name": "is required"}


def test_every_bad_field_is_reported_at_once_in_field_order() -> None:
    result = run(
        {
            "first_name": 42,
            "email": "nope",
            "phone": "123",
            "zip": "99999",
            "insurance_type": "spaceship",
            "exclusive": "perhaps",
            "favourite": "blue",
        }
    )
    assert isinstance(result, list)
    assert [e.field for e in result] == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "zip",
        "insurance_type",
        "exclusive",
        "favourite",
    ]
    reasons = {e.field: e.reason for e in result}
    assert reasons["last_name"] == "is required"
    assert reasons["phone"] == "is too short"
    assert reasons["zip"] == "is not a known ZIP code"
    assert reasons["favourite"] == "is not a field we know"
    assert "personal_auto" in reasons["insurance_type"]


def test_when_the_given_state_disagrees_the_zip_wins_and_the_lead_is_flagged() -> None:
    lead = run({**VALID, "state": "nj"})
    assert isinstance(lead, NormalizedLead)
    assert lead.state == "NY"
    assert lead.flags == {"state_mismatch": {"given": "NJ", "zip_state": "NY"}}


def test_a_state_alone_is_kept_when_the_zip_is_not_required() -> None:
    payload = {k: v for k, v in VALID.items() if k != "zip"} | {"state": "tx"}
    lead = run(payload, REQUIRED - {"zip"})
    assert isinstance(lead, NormalizedLead)
    assert (lead.state, lead.zip, lead.timezone) == ("TX", None, None)


def test_an_unknown_state_code_is_refused() -> None:
    assert errors_of({**VALID, "state": "XX"}) == {"state": "is not a US state or territory code"}


def test_a_lead_without_phone_or_email_is_refused_even_when_neither_is_required() -> None:
    payload = {k: v for k, v in VALID.items() if k not in {"phone", "email"}}
    assert "phone" in errors_of(payload, REQUIRED - {"phone", "email"})


def test_optional_fields_are_typed() -> None:
    lead = run(
        {
            **VALID,
            "policy_expiration": "2026-06-30",
            "exclusive": True,
            "current_carrier": "Acme Mutual",
            "notes": "call after 5",
            "source": "web",
        }
    )
    assert isinstance(lead, NormalizedLead)
    assert lead.policy_expiration == date(2026, 6, 30)
    assert lead.exclusive is True
    assert (lead.current_carrier, lead.notes, lead.source_name) == (
        "Acme Mutual",
        "call after 5",
        "web",
    )


def test_policy_expiration_must_be_a_date() -> None:
    assert set(errors_of({**VALID, "policy_expiration": "next spring"})) == {"policy_expiration"}


@pytest.mark.parametrize(
    "attributes",
    [
        {"blob": "x" * MAX_ATTRIBUTES_BYTES},
        {"n": float("nan")},
        {"n": float("inf")},
        {"deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}}},
        {"nul": "a\x00b"},
        ["not", "an", "object"],
    ],
)
def test_attributes_must_be_a_small_clean_json_object(attributes: Any) -> None:
    assert set(errors_of({**VALID, "attributes": attributes})) == {"attributes"}


def test_text_a_database_cannot_store_is_refused() -> None:
    assert set(errors_of({**VALID, "notes": "a\x00b", "last_name": "\ud800"})) == {
        "last_name",
        "notes",
    }


def test_a_disabled_or_unknown_insurance_type_lists_the_allowed_ones() -> None:
    reasons = errors_of({**VALID, "insurance_type": "pet"})
    assert reasons["insurance_type"].endswith(", ".join(sorted(TYPES)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*FIELD_NAMES, "", "a.b", "0"]) | st.text(max_size=8),
        json_values,
        max_size=8,
    )
)
@pytest.mark.slow  # hypothesis fuzzing
def test_any_json_object_gives_a_lead_or_field_errors_never_an_exception(
    payload: dict[str, Any],
) -> None:
    result = run(payload)
    if isinstance(result, list):
        assert result
        assert all(e.field in FIELD_NAMES or e.field in payload for e in result)
    else:
        assert isinstance(result, NormalizedLead)
