"""Off-policy replay against the simulator's truth (seed 3, 30 days, 20 producers).

A month is logged under an optimizer that explores 30 % of the time; two candidates are
estimated from that log, then run for real on the same leads with the same luck:
``best now`` (the truly best producer given who is free: a better policy that minds the
queues; the issue's target is the clipped DR within 10 % of its binds) and ``truly best``
(the same, blind to queues: its gain on the log is partly an illusion, since running it
makes the best producers busy, which no estimate from the log can see).
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from leadrouter.learning.estimates import fit
from leadrouter.learning.ope import clipped_name
from leadrouter.sim.history import history_outcomes
from leadrouter.sim.memory import run_memory
from leadrouter.sim.offpolicy import CLIP, best_now, replay, truly_best
from leadrouter.sim.roster import POLICIES
from leadrouter.sim.scenario import make_scenario

console = Console(width=140)
SEED, DAYS, PRODUCERS = 3, 30, 20
LOGGING = (
    POLICIES["optimizer"]
    .replace("exploration: 0.05", "exploration: 0.3")
    .replace("fairness: {period: week, min_share: 0.01, max_share: 0.15}", "fairness: {}")
)


def main() -> None:
    t0 = time.perf_counter()
    s = make_scenario(seed=SEED, days=DAYS, producers=PRODUCERS)
    log = run_memory(s, "logging", LOGGING)
    model = fit(o for _, o, _ in history_outcomes(s))
    table = Table(
        title=f"Replay vs simulated truth: seed {SEED}, {DAYS} days, {PRODUCERS} producers; "
        f"logged {log.binds} binds ({log.expected_binds:.1f} expected) under an optimizer "
        "exploring 30%"
    )
    for col in (
        "candidate",
        "estimator",
        "estimate",
        "95% interval",
        "truth: binds",
        "error",
        "truth: expected",
        "error",
    ):
        table.add_column(col, justify="left" if col in ("candidate", "estimator") else "right")
    verdicts = []
    for name, candidate in (("best now", best_now(s)), ("truly best", truly_best(s))):
        truth = run_memory(s, name, POLICIES["round robin"], override=candidate)
        for e in replay(s, log, candidate, model):
            value, low, high = e.total
            table.add_row(
                name,
                e.name,
                f"{value:.1f}",
                f"{low:.1f} to {high:.1f}",
                str(truth.binds),
                f"{value / truth.binds - 1:+.1%}",
                f"{truth.expected_binds:.1f}",
                f"{value / truth.expected_binds - 1:+.1%}",
            )
            if name == "best now" and e.name == clipped_name(CLIP):
                verdicts.append(value / truth.binds - 1)
    console.print(table)
    console.print(
        f"best now, {clipped_name(CLIP)}: {verdicts[0]:+.1%} of its simulated binds "
        f"(target within 10%); run time {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
