"""A virtual clock for the time engine: jump from due instant to due instant, like the worker;
and the assignment the timer tests start from."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from leadrouter.domain.timer_policy import TimingRules
from leadrouter.domain.timers import Action, TimerState, due_actions, next_due_at

T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 in New York, a Tuesday


def timer_state(at: datetime = T0, **changes: object) -> TimerState:
    """Lead 1's assignment 100 to producer 10, made at ``at``, a New York consumer;
    ``changes`` replace fields."""
    base = TimerState(
        lead_id=1,
        assignment_id=100,
        owner_id=10,
        first_assigned_at=at,
        assigned_at=at,
        consumer_timezone="America/New_York",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


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
