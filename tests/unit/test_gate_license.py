"""The license gate: one function, fail closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from leadrouter.domain.compliance import check_gate
from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import LicenseStatus
from tests.support.routing_core import AGENCY_TZ, NOW, license_, producer

LIFE = DEFAULT_TYPES.get("life")
AUTO = DEFAULT_TYPES.get("personal_auto")


def gate(p=None, lics=(), *, state="CA", itype=LIFE, now=NOW, tz=AGENCY_TZ):
    return check_gate(p or producer(1), lics, state=state, insurance_type=itype, now=now, tz=tz)


def test_active_verified_license_covering_the_line_grants_the_lead():
    v = gate(lics=[license_(7, 1)])
    assert v.eligible and v.license_id == 7 and v.reason is None


def test_inactive_producer_is_not_eligible_even_with_a_good_license():
    v = gate(producer(1, active=False), [license_(7, 1)])
    assert not v.eligible and v.reason == "producer is inactive" and v.license_id is None


def test_producer_without_a_license_in_the_state_is_refused_in_plain_words():
    v = gate(lics=[license_(7, 1, state="NV")])
    assert not v.eligible and v.reason == "no active CA license for Life"


def test_a_hand_typed_license_is_pending_until_verified():
    v = gate(lics=[license_(7, 1, verified_at=None)])
    assert not v.eligible and v.code == "pending"
    assert v.reason == "CA license L7 is pending verification"


@pytest.mark.parametrize(
    "status", [LicenseStatus.SUSPENDED, LicenseStatus.REVOKED, LicenseStatus.INACTIVE]
)
def test_a_license_that_is_not_active_grants_nothing(status):
    v = gate(lics=[license_(7, 1, status=status)])
    assert not v.eligible and v.reason == f"CA license L7 is {status}"


def test_a_license_not_yet_in_force_grants_nothing():
    v = gate(lics=[license_(7, 1, effective_date=date(2026, 3, 4))])
    assert not v.eligible and "not in force until 2026-03-04" in v.reason


def test_a_license_is_in_force_from_its_effective_date():
    assert gate(lics=[license_(7, 1, effective_date=date(2026, 3, 3))]).eligible


def test_a_license_stops_counting_on_its_expiration_date():
    v = gate(lics=[license_(7, 1, expiration_date=date(2026, 3, 3))])
    assert not v.eligible and v.reason == "CA license L7 expired on 2026-03-03"


def test_a_license_lapses_at_midnight_in_the_agency_time_zone():
    lic = license_(7, 1, expiration_date=date(2026, 3, 4))
    before = datetime(2026, 3, 4, 4, 59, 59, tzinfo=UTC)  # 23:59:59 in New York
    after = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)  # midnight in New York
    assert gate(lics=[lic], now=before).eligible
    assert not gate(lics=[lic], now=after).eligible
    assert gate(lics=[lic], now=after, tz="America/Los_Angeles").eligible


def test_lines_of_authority_must_cover_the_insurance_type():
    v = gate(lics=[license_(7, 1, lines=["property"])])
    assert not v.eligible and v.code == "lines"
    assert v.reason == "CA license L7 does not cover Life (needs Life)"


def test_any_alternative_of_the_requirement_is_enough():
    assert gate(lics=[license_(7, 1, lines=["casualty"])], itype=AUTO).eligible
    assert gate(lics=[license_(7, 1, lines=["personal_lines"])], itype=AUTO).eligible


def test_the_valid_license_wins_over_a_lapsed_one_in_the_same_state():
    lics = [license_(6, 1, expiration_date=date(2025, 1, 1)), license_(7, 1)]
    assert gate(lics=lics).license_id == 7


def test_when_every_license_fails_the_reason_is_the_one_closest_to_valid():
    lics = [license_(6, 1, verified_at=None), license_(7, 1, lines=["title"])]
    assert gate(lics=lics).code == "lines"


@pytest.mark.parametrize("state", [None, "", "XX", "California"])
def test_an_unknown_or_missing_state_fails_closed(state):
    v = gate(lics=[license_(7, 1)], state=state)
    assert not v.eligible and v.reason


def test_an_unknown_insurance_type_fails_closed():
    v = gate(lics=[license_(7, 1)], itype=DEFAULT_TYPES.get("space_travel"))
    assert not v.eligible and v.reason == "unknown insurance type"


def test_a_state_in_lower_case_is_read_as_its_code():
    assert gate(lics=[license_(7, 1, state="ca")], state=" ca ").eligible


def test_another_producers_license_never_counts():
    assert not gate(lics=[license_(7, 2)]).eligible


def test_a_license_of_another_agency_never_counts():
    assert not gate(lics=[license_(7, 1, agency_id=2)]).eligible


def test_an_unknown_agency_time_zone_fails_closed():
    v = gate(lics=[license_(7, 1)], tz="Mars/Olympus")
    assert not v.eligible and "time zone" in v.reason


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError):
        gate(lics=[license_(7, 1)], now=datetime(2026, 3, 3, 12, 0))
