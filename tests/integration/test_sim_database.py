"""One simulated day through the whole stack (intake, routing, the worker, outcomes, SQLite),
then that day replayed under another policy from the stored decisions."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from leadrouter.bootstrap import bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.services.learning.replay import replay_policy
from leadrouter.sim.report import summarize
from leadrouter.sim.roster import MIN_SHARE, POLICIES
from leadrouter.sim.run import run_strategy
from leadrouter.sim.scenario import make_scenario


@pytest.mark.slow
def test_a_day_through_the_services_keeps_the_license_and_replays_under_another_policy(
    sqlite_template: Path, tmp_path: Path
) -> None:
    s = make_scenario(seed=5, days=1, producers=6, history_days=14)
    out = run_strategy(
        s, "optimizer", POLICIES["optimizer"], template=sqlite_template, folder=tmp_path
    )
    row = summarize(s, out, MIN_SHARE)
    assert len(s.leads) > 10
    assert (row.unlicensed, row.dropped) == (0, 0)
    assert len(out.first_call_minutes) == len(s.leads)  # every lead was called by its owner
    assert out.choices
    assert all(c.propensity is not None and 0 < c.propensity <= 1 for c in out.choices)
    assert all(c.producer in c.candidates for c in out.choices)

    c = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'optimizer.db'}"),
        clock=FixedClock(s.end.astimezone(UTC)),
    )
    try:
        report = replay_policy(
            uow=c.uow(readonly=True),
            caches=c.routing,
            now=c.clock.now(),
            agency_id=1,
            text=POLICIES["round robin"],
            since=s.start.astimezone(UTC),
        )
    finally:
        c.engine.dispose()
    firsts = {ch.lead for ch in out.choices}
    assert report.decisions == len(firsts)
    assert report.gate_refusals == 0
    assert sum(report.replay_counts.values()) + report.queued == report.decisions
    assert report.bound == out.binds
    assert [e.name for e in report.estimates] == ["IPS", "SNIPS", "DR", "DR, w<=5"]
    snips = report.estimates[1]
    assert snips.low <= snips.value <= snips.high
