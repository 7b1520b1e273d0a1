"""``leadrouter learn evaluate`` on real leads: X Education's file, scored on a part held out.

The shared file lives beside the clone (``../shared/data``). Its absence is a failure, not a
skip: this is the project's real-world check of intent scoring and the propensity model.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadrouter.cli import app
from leadrouter.learning import xeducation
from leadrouter.learning.evaluate import Evaluation, evaluate

SHARED = Path(__file__).resolve().parents[2].parent / "shared/data/xeducation_leads_train.csv"
RUBRIC_AUC = 0.80
MODEL_AUC = 0.87


@pytest.fixture(scope="module")
def result() -> Evaluation:
    assert SHARED.is_file(), f"the shared lead file is missing: {SHARED}"
    return evaluate(SHARED)


def test_the_held_out_part_is_about_thirty_percent_and_never_trained_on(
    result: Evaluation,
) -> None:
    total = result.train_leads + result.held_out_leads
    assert total == 6520
    assert 0.27 < result.held_out_leads / total < 0.33


def test_rubric_and_model_reach_their_auc_targets_on_held_out_leads(result: Evaluation) -> None:
    by_name = {s.name: s for s in result.scorers}
    assert by_name["fitted rubric"].auc >= RUBRIC_AUC
    assert by_name["default rubric"].auc >= RUBRIC_AUC - 0.02  # nothing learned but Platt
    assert by_name["model"].auc >= MODEL_AUC
    assert by_name["model"].brier < by_name["fitted rubric"].brier < 0.25


def test_conversion_rises_strictly_from_low_to_medium_to_high_for_every_scorer(
    result: Evaluation,
) -> None:
    for scorer in result.scorers:
        rates = [t.conversion for t in scorer.tiers]
        assert scorer.tiers_rise, (scorer.name, rates)
        assert sum(t.leads for t in scorer.tiers) == result.held_out_leads


def _small_file(path: Path, rows: int = 400) -> None:
    """A file in the same layout, made up: long visits and forms convert more often."""
    rng = random.Random(7)
    with SHARED.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=header)
        out.writeheader()
        for n in range(rows):
            form = rng.random() < 0.2
            seconds = rng.choice([0, 30, 200, 900, 1500])
            odds = 0.1 + 0.6 * form + 0.3 * (seconds >= 900)
            record = dict.fromkeys(header, "No")
            record.update(
                {
                    "Prospect ID": f"lead-{n}",
                    "Lead Origin": "Lead Add Form" if form else "API",
                    "Lead Source": rng.choice(["Google", "Direct Traffic", "Reference"]),
                    "Converted": str(int(rng.random() < odds)),
                    "TotalVisits": str(rng.randint(0, 6)),
                    "Total Time Spent on Website": str(seconds),
                    "Page Views Per Visit": str(rng.randint(1, 4)),
                    "Country": "India",
                    "Specialization": "Select",
                    "How did you hear about X Education": "Select",
                    "What is your current occupation": rng.choice(["", "Unemployed"]),
                    "What matters most to you in choosing a course": "",
                    "City": "Mumbai",
                }
            )
            out.writerow(record)


def test_the_command_prints_both_scorers_tiers_and_writes_a_chart(tmp_path: Path) -> None:
    data, chart = tmp_path / "leads.csv", tmp_path / "tiers.svg"
    _small_file(data)
    run = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["learn", "evaluate", "--data", str(data), "--chart", str(chart)]
    )
    assert run.exit_code == 0, run.output
    for word in ("ROC AUC", "Brier", "default rubric", "fitted rubric", "model", "held-out"):
        assert word in run.output
    assert chart.read_text(encoding="utf-8").startswith("<svg")


def test_a_file_without_the_columns_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    data = tmp_path / "other.csv"
    data.write_text("Prospect ID,Converted\nx,1\n", encoding="utf-8")
    run = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["learn", "evaluate", "--data", str(data)])
    assert run.exit_code == 1
    assert "missing columns" in run.output
    assert "Lead Origin" in run.output
    assert xeducation.LEAKY[0] not in xeducation.REQUIRED
