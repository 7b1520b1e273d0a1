"""The rebalancing monitor on stored leads: weekly rates, one alert per drift, a proposal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from leadrouter.bootstrap import Container
from leadrouter.cli import app
from leadrouter.policy.load import parse_policy
from leadrouter.services.learning.monitor import rebalance
from leadrouter.store.tables import outbox
from tests.support.factories import insert_drifting_week, make_demo_agency


def _seed(c: Container, agency_id: int, now: datetime) -> tuple[int, int]:
    with c.engine.begin() as conn:
        return insert_drifting_week(conn, agency_id=agency_id, now=now)


def test_a_drifting_producer_raises_one_alert_a_week_and_a_replayable_proposal(
    container: Container,
) -> None:
    agency_id = make_demo_agency(container)
    now = container.clock.now()
    _, slow = _seed(container, agency_id, now)
    result = rebalance(uow=container.uow(), caches=container.routing, agency_id=agency_id, now=now)
    low = [d for d in result.drifts if d.producer_id == slow]
    # a bind counts as a quote, so the quote rate drifts with the close rate
    assert {(d.tier, d.metric) for d in low} == {("high", "close_rate"), ("high", "quote_rate")}
    assert low[0].producer_rate == 2 / 16 and low[0].pool_rate == 10 / 32
    [proposal] = [p for p in result.proposals if p.producer_id == slow]
    assert proposal.because.metric == "close_rate"
    assert proposal.because.metric == "close_rate"
    assert proposal.proposed_weight < proposal.current_weight
    assert result.policy is not None
    high = result.policy.routing.tiers["high"].strategy
    assert high is not None and high.type == "weighted_round_robin"
    assert high.weights[slow] == proposal.proposed_weight

    again = rebalance(
        uow=container.uow(),
        caches=container.routing,
        agency_id=agency_id,
        now=now + timedelta(hours=1),
    )
    assert again.alerts == result.alerts
    with container.engine.connect() as conn:
        alerts = conn.execute(
            sa.select(outbox.c.recipient, outbox.c.payload).where(outbox.c.event == "rebalance")
        ).all()
    assert len(alerts) == result.alerts == len(result.drifts)  # the second run added none
    assert all(a.recipient == "role:manager" for a in alerts)
    assert any(
        f"producer {slow}: high-intent close rate 12%" in a.payload["message"] for a in alerts
    )


def test_the_command_prints_weekly_rates_and_writes_the_proposed_policy(
    container: Container, db_url: str, tmp_path: Path
) -> None:
    agency_id = make_demo_agency(container)
    _seed(container, agency_id, datetime.now(UTC))  # the command reads the real clock
    target = tmp_path / "proposal.yaml"
    run = CliRunner(env={"LEADROUTER_DATABASE_URL": db_url, "COLUMNS": "200"}).invoke(
        app,
        ["learn", "monitor", "--proposal", str(target)],
    )
    assert run.exit_code == 0, run.output
    assert "close rate 12% vs pool 31%" in run.output
    document = parse_policy(target.read_text(encoding="utf-8"), "yaml")
    assert document.routing.tiers["high"].strategy is not None
