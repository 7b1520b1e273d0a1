"""``leadrouter learn intent`` and ``learn model`` on a database file, as a manager runs them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from leadrouter.cli import app
from tests.support.factories import make_demo_agency, migrated
from tests.support.learning import seed_outcomes


def test_a_manager_refits_the_rubric_and_trains_a_model_from_the_agencys_outcomes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'learn.db'}"
    c = migrated(url)
    agency_id = make_demo_agency(c)
    seed_outcomes(c, agency_id, count=150)
    c.engine.dispose()
    runner = CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"})

    intent = runner.invoke(app, ["learn", "intent"])
    assert intent.exit_code == 0, intent.output
    assert "rubric version 1" in intent.output
    assert "quote_request" in intent.output

    model = runner.invoke(app, ["learn", "model"])
    assert model.exit_code == 0, model.output
    assert "model version 1: 150 leads" in model.output
    assert "AUC" in model.output


def test_learning_from_too_few_outcomes_exits_1_saying_how_many_are_needed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    c = migrated(url)
    make_demo_agency(c)
    c.engine.dispose()
    run = CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"}).invoke(
        app, ["learn", "model"]
    )
    assert run.exit_code == 1
    assert "at least 50" in run.output
