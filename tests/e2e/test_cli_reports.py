"""``leadrouter report monthly`` and ``leadrouter export leads`` on the demo agency."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadrouter.cli import app
from tests.support.factories import make_demo

LEAD = {
    "first_name": "=cmd|' /C calc'!A0",
    "last_name": "Report",
    "zip": "10001",
    "insurance_type": "personal_auto",
    "source": "Referral",
}


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    make_demo(url, LEAD)
    return CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"})


def test_the_monthly_report_is_written_as_pdf_csv_and_html(
    runner: CliRunner, tmp_path: Path
) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    for fmt, check in (
        ("pdf", lambda b: b.startswith(b"%PDF-")),
        ("csv", lambda b: b.startswith(b"section,item,metric,value")),
        ("html", lambda b: b"<svg" in b and b"Referral" in b),
    ):
        out = tmp_path / f"report.{fmt}"
        args = ["report", "monthly", "--month", month, "--format", fmt, "--out", str(out)]
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        assert check(out.read_bytes()), fmt
    bad = runner.invoke(app, ["report", "monthly", "--month", "October"])
    assert bad.exit_code == 2


def test_export_leads_writes_the_ams_csv_with_formulas_neutralised(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "leads.csv"
    done = runner.invoke(app, ["export", "leads", "--source", "Referral", "--out", str(out)])
    assert done.exit_code == 0, done.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert {r["First Name"] for r in rows} == {"'" + str(LEAD["first_name"])}


def test_export_leads_refuses_an_unknown_status(runner: CliRunner) -> None:
    done = runner.invoke(app, ["export", "leads", "--status", "won"])
    assert done.exit_code == 2
    assert "not one of" in done.output
