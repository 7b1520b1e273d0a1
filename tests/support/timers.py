"""A virtual clock for the time engine: jump from due instant to due instant, like the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from leadrouter.domain.timer_policy import TimingRules
from leadrouter.domain.timers import Action, TimerState, due_actions, next_due_at


@dataclass(frozen=True)
class Step:
    at: datetime
    action: Action


# Called with each batch of due actions; may return a new state (a reassignment, a contact).
React = Callable[[TimerState, list[Action], datetime], TimerState]


def run(
    state: TimerState,
    rules: TimingRules,
    *,
    start: datetime,
    until: datetime,
    react: React | None = None,
    max_steps: int = 1000,
) -> tuple[list[Step], TimerState]:
    """Every action carried out between ``start`` and ``until``, and the final state."""
    steps: list[Step] = []
    now = start
    for _ in range(max_steps):
        due = next_due_at(state, rules, now)
        if due is None or due > until:
            return steps, state
        now = max(now, due)
        actions = due_actions(state, rules, now)
        assert actions, f"next_due_at said {due} but nothing is due at {now}"
        steps += [Step(now, a) for a in actions]
        state = state.done_with(actions)
        if react is not None:
            state = react(state, actions, now)
    raise AssertionError("the timers never settled")
