"""The differences between a registry report and the roster, planned without a database."""

from datetime import UTC, date, datetime
from typing import Any

from leadrouter.compliance.differences import Difference, plan
from leadrouter.compliance.registry_report import RegistryReport, ReportLicense
from leadrouter.domain.model import License, LicenseStatus, Producer

ANA = Producer(id=1, agency_id=1, name="Ana", email="ana@example.com", npn="111")
BEN = Producer(id=2, agency_id=1, name="Ben", email="ben@example.com", npn="222")


def reported(npn: str, state: str, number: str, **kw: object) -> ReportLicense:
    values: dict[str, object] = dict(
        npn=npn,
        state=state,
        number=number,
        license_class=None,
        lines=frozenset({"personal_lines"}),
        resident=True,
        active=True,
        issue_date=date(2020, 1, 1),
        expiration_date=date(2027, 1, 1),
        where=("line 2",),
    )
    values.update(kw)
    return ReportLicense(**values)  # type: ignore[arg-type]


def held(lid: int, pid: int, state: str, number: str, **kw: Any) -> License:
    """A verified, active personal-lines license of agency 1 (2020 to 2027)."""
    values: dict[str, Any] = dict(
        lines=frozenset({"personal_lines"}),
        resident=True,
        effective_date=date(2020, 1, 1),
        expiration_date=date(2027, 1, 1),
        verified_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    values.update(kw)
    values["lines"] = frozenset(values["lines"])
    return License(id=lid, agency_id=1, producer_id=pid, state=state, number=number, **values)


def report(*licenses: ReportLicense, unsure: frozenset[str] = frozenset()) -> RegistryReport:
    return RegistryReport("csv", licenses, (), (), len(licenses), unsure)


def summary(diffs: list[Difference]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(d.kind, d.number, d.field, d.report) for d in diffs]


def test_a_matching_verified_license_is_no_difference() -> None:
    assert plan(report(reported("111", "NY", "A")), [ANA], [held(1, 1, "NY", "A")]) == []


def test_a_pending_license_the_registry_confirms_is_to_be_verified() -> None:
    diffs = plan(
        report(reported("111", "NY", "A")), [ANA], [held(1, 1, "NY", "A", verified_at=None)]
    )
    assert summary(diffs) == [("verify", "A", "verified_at", "confirmed")]


def test_each_field_that_differs_is_its_own_difference_with_the_value_to_write() -> None:
    ours = held(1, 1, "NY", "A", resident=False, lines=("life",))
    theirs = reported("111", "NY", "A", expiration_date=date(2028, 1, 1))
    diffs = plan(report(theirs), [ANA], [ours])
    assert summary(diffs) == [
        ("update", "A", "lines", "personal_lines"),
        ("update", "A", "resident", "resident"),
        ("update", "A", "expiration_date", "2028-01-01"),
    ]
    assert diffs[2].values == {"expiration_date": date(2028, 1, 1)}


def test_a_renumbered_license_is_matched_by_state_and_its_number_updated() -> None:
    diffs = plan(report(reported("111", "NY", "NEW")), [ANA], [held(1, 1, "NY", "OLD")])
    assert summary(diffs) == [("update", "OLD", "number", "NEW")]
    assert diffs[0].license_id == 1


def test_an_inactive_registry_license_only_switches_the_roster_one_off() -> None:
    theirs = reported("111", "NY", "A", active=False, lines=frozenset({"life"}))
    assert summary(plan(report(theirs), [ANA], [held(1, 1, "NY", "A")])) == [
        ("update", "A", "status", "inactive")
    ]
    suspended = held(1, 1, "NY", "A", status=LicenseStatus.SUSPENDED)
    assert plan(report(theirs), [ANA], [suspended]) == []
    assert plan(report(reported("111", "CT", "B", active=False)), [ANA], []) == []


def test_a_license_the_report_lacks_is_deactivated_only_when_the_report_lists_the_npn() -> None:
    roster = [held(1, 1, "NY", "A"), held(2, 1, "NJ", "B"), held(3, 2, "NY", "C")]
    diffs = plan(report(reported("111", "NY", "A")), [ANA, BEN], roster)
    assert summary(diffs) == [("deactivate", "B", "status", "absent")]
    assert diffs[0].values == {"status": "inactive"}
    assert (
        plan(report(reported("111", "NY", "A"), unsure=frozenset({"111"})), [ANA, BEN], roster)
        == []
    )


def test_new_licenses_are_added_and_unknown_or_shared_npns_cannot_be_fixed() -> None:
    twin = Producer(id=3, agency_id=1, name="Twin", email="t@example.com", npn="222")
    diffs = plan(
        report(reported("111", "CT", "N"), reported("222", "NY", "X"), reported("999", "PA", "Z")),
        [ANA, BEN, twin],
        [],
    )
    assert [(d.kind, d.fixable) for d in diffs] == [
        ("add", True),
        ("shared_npn", False),
        ("unknown_npn", False),
    ]
    assert diffs[0].values["producer_id"] == 1 and diffs[0].values["state"] == "CT"
    assert diffs[2].message == "no producer with NPN 999 (report lists PA Z)"


def test_differences_are_plain_json_for_the_audit_history() -> None:
    [diff] = plan(
        report(reported("111", "NY", "A", resident=False)), [ANA], [held(1, 1, "NY", "A")]
    )
    assert diff.as_json() == {
        "kind": "update",
        "applied": False,
        "fixable": True,
        "npn": "111",
        "producer_id": 1,
        "license_id": 1,
        "state": "NY",
        "number": "A",
        "field": "resident",
        "roster": "resident",
        "report": "non-resident",
        "message": "NY license A of Ana: residency is resident on the roster, non-resident in "
        "the registry",
    }
