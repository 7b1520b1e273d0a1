"""``leadrouter licenses reconcile|history|coverage|sweep`` against the test databases."""

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from leadrouter.bootstrap import Container
from leadrouter.cli import app
from leadrouter.services.compliance.reconciliation import list_reconciliations
from tests.support.compliance import (
    REPORT,
    report_csv,
    report_xml,
    roster,
)
from tests.support.factories import make_agency, make_license, make_producer


def test_reconcile_lists_the_differences_and_applies_them_only_with_apply(
    runner: CliRunner, container: Container, tmp_path: Path
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    report = tmp_path / "pdb.csv"
    report.write_bytes(report_csv(REPORT))
    dry = runner.invoke(app, ["licenses", "reconcile", str(report)])
    assert dry.exit_code == 0, dry.output
    assert "5 difference(s), 0 applied; found (dry run; --apply to fix)" in dry.output
    assert "no producer with NPN 9999999" in dry.output
    applied = runner.invoke(
        app,
        [
            "licenses",
            "reconcile",
            str(report),
            "--apply",
            "--agency",
            str(agency.id),
            "--by",
            "Dana",
        ],
    )
    assert applied.exit_code == 0, applied.output
    assert "5 difference(s), 4 applied; applied" in applied.output
    runs = list_reconciliations(uow=container.uow(), agency_id=agency.id).items
    assert [(r.file_name, r.applied_by) for r in runs] == [("pdb.csv", None), ("pdb.csv", "Dana")]
    history = runner.invoke(app, ["licenses", "history"])
    assert history.exit_code == 0, history.output
    assert "Dana" in history.output and "(dry run)" in history.output


def test_reconcile_reads_xml_and_refuses_a_file_with_entities(
    runner: CliRunner, container: Container, tmp_path: Path
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    good = tmp_path / "pdb.xml"
    good.write_bytes(report_xml(REPORT))
    result = runner.invoke(app, ["licenses", "reconcile", str(good)])
    assert result.exit_code == 0, result.output
    assert "5 difference(s)" in result.output
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b'<!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>')
    refused = runner.invoke(app, ["licenses", "reconcile", str(evil), "--apply"])
    assert refused.exit_code == 1
    assert "DTD" in refused.output


def test_coverage_prints_the_forecast_and_exits_3_on_a_gap(
    runner: CliRunner, container: Container
) -> None:
    agency = make_agency(container)
    roster(container, agency.id)
    result = runner.invoke(app, ["licenses", "coverage", "--minimum", "5"])
    assert result.exit_code == 3, result.output
    assert "Personal lines" in result.output


def test_sweep_reports_a_lapse_once_and_then_finds_nothing_due(
    runner: CliRunner, container: Container
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    lapsed = make_license(container, agency.id, ana, "NY", "NY-1", expires=date(2020, 6, 30))
    first = runner.invoke(app, ["licenses", "sweep"])
    assert first.exit_code == 0, first.output
    assert f"license {lapsed} (NY) lapsed 2020-06-30; open leads flagged: none" in first.output
    again = runner.invoke(app, ["licenses", "sweep"])
    assert again.exit_code == 0, again.output
    assert "nothing due" in again.output
