"""Every strategy on the same month, then the oracle: the numbers ``leadrouter simulate`` prints."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from leadrouter.sim.memory import Outcome, run_memory
from leadrouter.sim.oracle import play_oracle, solve_oracle
from leadrouter.sim.report import Row, summarize
from leadrouter.sim.roster import MIN_SHARE, POLICIES
from leadrouter.sim.scenario import Scenario

Progress = Callable[[str, int], None]  # (strategy, leads just routed)


def compare(
    s: Scenario,
    *,
    engine: str = "memory",
    progress: Progress | None = None,
    policies: dict[str, str] | None = None,
) -> tuple[list[Row], list[Outcome]]:
    """Run each strategy (``memory``: the engine in memory; ``database``: the services,
    SQLite and the worker), then the oracle, and the oracle's plan played by the strategies'
    rules in memory; the table's rows and every outcome."""
    outcomes: list[Outcome] = []
    for name, policy in (policies or POLICIES).items():
        tick = None if progress is None else (lambda n, name=name: progress(name, n))
        if engine == "database":
            outcomes.append(_database(s, name, policy, tick))
        else:
            outcomes.append(run_memory(s, name, policy, tick))
    oracle = solve_oracle(s)
    outcomes += [oracle, play_oracle(s, oracle)]
    return [summarize(s, o, MIN_SHARE) for o in outcomes], outcomes


def _database(s: Scenario, name: str, policy: str, tick: Callable[[int], None] | None) -> Outcome:
    from leadrouter.sim.run import run_strategy
    from leadrouter.store.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="leadrouter-sim-") as tmp:
        template = Path(tmp) / "template.db"
        upgrade(f"sqlite:///{template}")
        return run_strategy(s, name, policy, template=template, progress=tick)
