"""Reconciling the roster with a registry report, CSV and XML: dry run, apply, history."""

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.errors import ValidationFailed
from leadrouter.services.compliance.reconciliation import (
    ReconciliationReport,
    list_reconciliations,
    reconcile,
)
from leadrouter.store.tables import licenses
from tests.support.compliance import (
    REPORT,
    ZIPS,
    ReportRow,
    lead_row,
    report_csv,
    report_xml,
    roster,
)
from tests.support.factories import make_agency, make_lead

FORMATS: dict[str, Callable[[list[ReportRow]], bytes]] = {"csv": report_csv, "xml": report_xml}


def license_rows(c: Container) -> dict[str, Any]:
    with c.engine.connect() as conn:
        return {r.number: r for r in conn.execute(sa.select(licenses))}


def kinds(differences: Any) -> list[tuple[str, str | None, str | None]]:
    return sorted((d["kind"], d["number"], d["field"]) for d in differences)


def run(
    c: Container, agency_id: int, data: bytes, *, apply: bool, routed: bool = False, **names: str
) -> ReconciliationReport:
    """``reconcile`` on the container's clock, of pdb.csv by Dana unless ``names`` (file_name,
    actor) say otherwise; ``routed``: with the routing caches, as the API and the CLI run it."""
    options: dict[str, Any] = {"file_name": "pdb.csv", "actor": "Dana", **names}
    if routed:
        options["caches"] = c.routing
    return reconcile(
        uow=c.uow(), agency_id=agency_id, data=data, apply=apply, now=c.clock.now(), **options
    )


EXPECTED = [
    ("add", "CT-3", None),
    ("deactivate", "NJ-1", "status"),
    ("unknown_npn", None, None),
    ("update", "NY-1", "expiration_date"),
    ("verify", "NY-2", "verified_at"),
]


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_a_dry_run_lists_every_difference_and_changes_nothing(
    container: Container, fmt: str
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    before = {n: tuple(r) for n, r in license_rows(container).items()}
    data = FORMATS[fmt](REPORT)
    report = run(container, agency.id, data, apply=False, file_name=f"pdb.{fmt}", routed=True)
    assert kinds(report.differences) == EXPECTED
    assert not any(d["applied"] for d in report.differences)
    unknown = next(d for d in report.differences if d["kind"] == "unknown_npn")
    assert (unknown["fixable"], unknown["message"]) == (
        False,
        "no producer with NPN 9999999 (report lists PA PA-9)",
    )
    update = next(d for d in report.differences if d["kind"] == "update")
    assert (update["roster"], update["report"]) == ("2027-01-31", "2028-01-31")
    assert (report.format, report.applied, report.applied_by) == (fmt, False, None)
    assert report.file_digest == hashlib.sha256(data).hexdigest()
    assert {n: tuple(r) for n, r in license_rows(container).items()} == before


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_apply_changes_the_roster_and_a_queued_lead_from_an_uncovered_state_is_assigned(
    container: Container, fmt: str
) -> None:
    agency = make_agency(container)
    ids = roster(container, agency.id)
    ct_lead = make_lead(container, agency.id, 1, zip_code=ZIPS["CT"])
    nj_lead = make_lead(container, agency.id, 2, zip_code=ZIPS["NJ"])
    assert lead_row(container, ct_lead).status == "queued"
    assert lead_row(container, nj_lead).owner_id == ids["ana"]
    report = run(
        container,
        agency.id,
        FORMATS[fmt](REPORT),
        apply=True,
        file_name=f"pdb.{fmt}",
        actor="Dana (compliance)",
        routed=True,
    )
    assert [d["kind"] for d in report.differences if d["applied"]] == [
        "update",
        "deactivate",
        "verify",
        "add",
    ]
    assert (report.applied, report.applied_by) == (True, "Dana (compliance)")
    rows = license_rows(container)
    verifier = f"registry reconciliation #{report.id}"
    assert (rows["NY-1"].expiration_date, rows["NY-1"].verified_by) == (date(2028, 1, 31), verifier)
    assert rows["NJ-1"].status == "inactive"
    assert rows["NY-2"].verified_by == verifier
    ct = rows["CT-3"]
    assert (ct.producer_id, ct.source, ct.verified_by, ct.resident, sorted(ct.lines)) == (
        ids["cara"],
        "registry",
        verifier,
        False,
        ["casualty", "property"],
    )
    assert report.assigned_leads == (ct_lead,)
    assert (lead_row(container, ct_lead).status, lead_row(container, ct_lead).owner_id) == (
        "assigned",
        ids["cara"],
    )
    flag = lead_row(container, nj_lead).flags["license_lapsed"]
    assert (flag["license_id"], flag["state"]) == (ids["nj1"], "NJ")


def test_every_run_is_kept_with_time_digest_changes_and_who_applied_it(
    container: Container,
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    data = report_csv(REPORT)
    dry = run(container, agency.id, data, apply=False)
    done = run(container, agency.id, data, apply=True)
    again = run(container, agency.id, data, apply=False)
    history = list_reconciliations(uow=container.uow(), agency_id=agency.id).items
    assert [r.id for r in history] == [dry.id, done.id, again.id]
    assert [(r.applied, r.applied_by) for r in history] == [
        (False, None),
        (True, "Dana"),
        (False, None),
    ]
    assert {r.file_digest for r in history} == {hashlib.sha256(data).hexdigest()}
    assert all(r.created_at == container.clock.now() for r in history)
    assert kinds(history[1].differences) == EXPECTED
    assert kinds(again.differences) == [("unknown_npn", None, None)]  # nothing left to fix


def test_a_billion_laughs_file_is_refused_unexpanded_and_the_attempt_is_kept(
    container: Container,
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode().replace(
                b"&lol0;", b"&lol;"
            )
            for i in range(1, 10)
        )
        + b"]><ProducerLicenseReport>&lol9;</ProducerLicenseReport>"
    )
    with pytest.raises(ValidationFailed, match="DTD"):
        run(container, agency.id, bomb, apply=True, file_name="evil.xml")
    [kept] = list_reconciliations(uow=container.uow(), agency_id=agency.id).items
    assert (kept.file_name, kept.applied, kept.file_digest) == (
        "evil.xml",
        False,
        hashlib.sha256(bomb).hexdigest(),
    )
    assert [d["kind"] for d in kept.differences] == ["refused"]
    assert license_rows(container)["NJ-1"].status == "active"


def test_a_producer_whose_record_cannot_be_read_keeps_licenses_the_report_seems_to_lack(
    container: Container,
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    rows: list[ReportRow] = [
        REPORT[0],
        ("1111111", "NJ-1", "NJ", "Property", "Resident", "Maybe", "2020-01-01", "2027-01-31"),
    ]
    report = run(container, agency.id, report_csv(rows), apply=True)
    assert [d["kind"] for d in report.differences] == ["unreadable", "update"]
    assert "'Maybe' is not yes/no" in report.differences[0]["message"]
    assert license_rows(container)["NJ-1"].status == "active"
