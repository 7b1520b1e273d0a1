"""One simulated day through the whole stack: intake, routing, the worker, outcomes, SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadrouter.sim.report import summarize
from leadrouter.sim.roster import MIN_SHARE, POLICIES
from leadrouter.sim.run import run_strategy
from leadrouter.sim.scenario import make_scenario


@pytest.mark.parametrize("name", ["optimizer"])
def test_a_day_through_the_services_keeps_the_license_drops_nothing_and_logs_probabilities(
    name: str, sqlite_template: Path
) -> None:
    s = make_scenario(seed=5, days=1, producers=6, history_days=14)
    out = run_strategy(s, name, POLICIES[name], template=sqlite_template)
    row = summarize(s, out, MIN_SHARE)
    assert len(s.leads) > 10
    assert (row.unlicensed, row.dropped) == (0, 0)
    assert len(out.first_call_minutes) == len(s.leads)  # every lead was called by its owner
    assert out.choices
    assert all(c.propensity is not None and 0 < c.propensity <= 1 for c in out.choices)
    assert all(c.producer in c.candidates for c in out.choices)
