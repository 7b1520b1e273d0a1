"""The simulated month (seed 1, 30 days, 20 producers): the strategy table and its run time.

Targets from the issue: the optimizer >= 1.25x round robin's binds and >= 0.95x the
oracle's, 0 unlicensed, 0 dropped; the month in under a minute.
"""

from __future__ import annotations

import time

from rich.console import Console

from leadrouter.sim.compare import compare
from leadrouter.sim.report import table
from leadrouter.sim.scenario import make_scenario

console = Console(width=130)


def main() -> None:
    t0, cpu0 = time.perf_counter(), time.process_time()
    scenario = make_scenario(seed=1, days=30, producers=20)
    rows, _ = compare(scenario)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    console.print(table(rows, scenario))
    by = {r.strategy: r for r in rows}
    optimizer, rr, oracle = by["optimizer"], by["round robin"], by["oracle (LP)"]
    played = by["oracle, played"]
    console.print(
        f"optimizer / round robin: {optimizer.binds / rr.binds:.2f}x binds, "
        f"{optimizer.expected_binds / rr.expected_binds:.2f}x expected (target 1.25x); "
        f"optimizer / oracle: {optimizer.binds / oracle.binds:.2f}x binds, "
        f"{optimizer.expected_binds / oracle.expected_binds:.2f}x expected (target 0.95x); "
        f"optimizer / the oracle's plan played by the same rules: "
        f"{optimizer.binds / played.binds:.2f}x binds, "
        f"{optimizer.expected_binds / played.expected_binds:.2f}x expected; "
        f"run time {seconds:.1f} s wall, {cpu:.1f} s CPU (target < 60 s; "
        + ", ".join(f"{r.strategy} {r.seconds:.1f} s" for r in rows)
        + ")"
    )


if __name__ == "__main__":
    main()
