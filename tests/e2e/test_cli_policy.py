"""``leadrouter policy lint|dry-run|apply`` and ``leadrouter audit verify`` on the demo agency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from leadrouter.cli import app
from tests.support.factories import make_demo

LEAD = {
    "first_name": "Cli",
    "last_name": "User",
    "email": "cli@example.com",
    "phone": "(212) 736-0190",
    "zip": "10001",
    "insurance_type": "personal_auto",
}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file: these commands run as ``make run`` does (the CLI does not close
    its engines, which PostgreSQL's driver reports as an error under our warning filter)."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def demo(db_url: str) -> None:
    """The demo agency with three routed leads, on the system clock as ``make run`` has it."""
    make_demo(db_url, LEAD)


pytestmark = pytest.mark.usefixtures("demo")


def _write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)


def test_lint_names_an_invalid_expression_with_its_column(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = _write(
        tmp_path,
        "bad.yaml",
        "routing:\n  steps:\n    - type: segment\n"
        "      when: 'lead.state =='\n      to: {teams: [North]}\n",
    )
    result = runner.invoke(app, ["policy", "lint", bad])
    assert result.exit_code == 2
    assert "routing.steps[0].when" in result.output and "column" in result.output


def test_dry_run_prints_where_a_lead_would_go_and_changes_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    shown = runner.invoke(app, ["policy", "show"])
    assert shown.exit_code == 0 and "weighted_score" in shown.output
    policy = _write(tmp_path, "policy.yaml", shown.output)
    result = runner.invoke(
        app,
        [
            "policy",
            "dry-run",
            policy,
            "--lead",
            json.dumps(
                {**LEAD, "zip": "90210", "insurance_type": "life", "email": "x@example.com"}
            ),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "queued" in result.output and "CA" in result.output
    url = runner.env["LEADROUTER_DATABASE_URL"]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM leads")).scalar_one() == 3
    engine.dispose()


def test_apply_makes_a_new_version_and_audit_verify_walks_the_chain(
    runner: CliRunner, tmp_path: Path
) -> None:
    policy = _write(tmp_path, "rr.yaml", "name: rr\nrouting:\n  strategy: round_robin\n")
    applied = runner.invoke(app, ["policy", "apply", policy])
    assert applied.exit_code == 0 and "version 1" in applied.output
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0
    assert "intact: 3 decisions" in verified.output


def test_dry_run_at_a_given_time_respects_working_hours(runner: CliRunner, tmp_path: Path) -> None:
    policy = _write(tmp_path, "p.yaml", runner.invoke(app, ["policy", "show"]).output)
    lead = json.dumps({**LEAD, "email": "at@example.com"})
    sunday_night = runner.invoke(
        app, ["policy", "dry-run", policy, "--lead", lead, "--at", "2026-11-22T23:00-05:00"]
    )
    tuesday_morning = runner.invoke(
        app, ["policy", "dry-run", policy, "--lead", lead, "--at", "2026-11-24T10:30-05:00"]
    )
    assert sunday_night.exit_code == 0 and "queued" in sunday_night.output
    assert "outside working hours" in sunday_night.output
    assert tuesday_morning.exit_code == 0 and "assigned" in tuesday_morning.output
    naive = runner.invoke(app, ["policy", "dry-run", policy, "--lead", lead, "--at", "10:30"])
    assert naive.exit_code == 2
