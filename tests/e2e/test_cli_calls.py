"""``leadrouter calls simulate`` plays the demo agency's call paths and checks each answer."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from leadrouter.cli.main import app

pytestmark = pytest.mark.slow  # migrates a throw-away database and plays four calls


def test_calls_simulate_shows_a_bridged_covered_call_and_fallbacks_for_the_others() -> None:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["calls", "simulate"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "bridged to Ben Cole" in lines["covered state (NY), a vendor's transfer with a ZIP"]
    assert "Ana Ortiz, Ben Cole" in lines["covered state (NY), a vendor's transfer with a ZIP"]
    assert "fallback" in lines["uncovered state (PA)"]
    silent = lines["unknown state, no ZIP given"].split("│")
    assert [cell.strip() for cell in silent[2:5]] == ["2", "-", "fallback"]
