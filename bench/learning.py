"""Intent scoring and the propensity model: what each costs per lead, and training time.

Runs on the shared X Education file (``../shared/data`` beside the clone): the rubric scores
a lead's signals, the model predicts (as routing does at every decision once an agency has a
model) and explains (the decision's top signals), and a whole model is trained.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from leadrouter.domain.scoring import score
from leadrouter.learning import xeducation
from leadrouter.learning.evaluate import SPEC
from leadrouter.learning.propensity import Propensity

DATA = Path(__file__).resolve().parents[1].parent / "shared/data/xeducation_leads_train.csv"
ROUNDS = 200


def _median_ms(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print the table."""
    console = Console()
    if not DATA.is_file():
        console.print(f"[red]no data file at {DATA}: learning benchmark skipped[/red]")
        return
    rows = list(xeducation.read(DATA))
    train = [r for r in rows if not xeducation.held_out(r.id)]
    start = time.perf_counter()
    model = Propensity.fit(SPEC, [r.features for r in train], [r.converted for r in train])
    fit_s = time.perf_counter() - start
    lead = rows[0]
    table = Table(title=f"Intent and propensity, one thread (medians of {ROUNDS} rounds)")
    for col in ("what", "time"):
        table.add_column(col)
    table.add_row(
        "rubric: signals → score and tier", f"{_median_ms(lambda: score(lead.signals)):.3f} ms"
    )
    table.add_row(
        "model: predict one lead", f"{_median_ms(lambda: model.predict([lead.features])):.2f} ms"
    )
    table.add_row(
        "model: predict and explain one lead",
        f"{_median_ms(lambda: model.explain(lead.features), 50):.2f} ms",
    )
    table.add_row(f"model: train on {len(train)} leads", f"{fit_s:.1f} s")
    table.add_row("model: serialized size", f"{len(model.to_bytes()) / 1024:.0f} KiB")
    console.print(table)
