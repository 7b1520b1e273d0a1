"""The worker's timer step: carry out what the time engine says is due, each step exactly once.

Each open assignment keeps ``next_due_at`` (indexed) and the keys of the steps it has done
(``done_steps``). A step's effects (outbox rows, a reassignment) and its key commit in one
transaction, so a worker killed at any instant has either done a step and recorded it, or
neither; the next worker repeats nothing and loses nothing.

Two passes per round, both reading only rows that are due (cost follows what is due, never
what is open):

* a batch pass: up to ``batch_size`` due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
  workers share them), their leads, owners and agencies read in a few queries; the steps that
  only send messages are carried out and recorded together, in one transaction. A row with a
  reassignment or an expired offer due is left for the second pass. If the batch fails, its
  rows are retried one by one, so one bad row cannot hold up the others.
* a routing pass: one transaction per such row, taking the agency's routing lock before the
  row (the lock order of every service that changes owners), so decisions stay serialized.

A row that fails on its own is logged and tried again after ``RETRY_AFTER``; after
``PARK_AFTER`` failures in a row it is parked (no longer due) and the agency's managers get an
alert. A row that failed before is never claimed by the batch pass again, only one by one, so
it cannot turn every batch it falls into back into single-row work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.domain.timer_policy import TimingRules
from leadrouter.domain.timers import (
    Action,
    OfferExpired,
    Reassign,
    TimerState,
    due_actions,
    next_due_at,
)
from leadrouter.notify.inapp import enqueue_alert
from leadrouter.services.routing.context import RoutingCaches
from leadrouter.services.timers import state as ts
from leadrouter.services.timers.handover import hand_over
from leadrouter.services.timers.messages import Scene, carry_out, managers_of, subscribed
from leadrouter.services.timers.outbox import Messages
from leadrouter.store.locks import lock_agency
from leadrouter.store.tables import agencies, assignments, leads, producers
from leadrouter.store.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = 100
RETRY_AFTER = timedelta(minutes=1)
PARK_AFTER = 5
_HANDS_OVER = (Reassign, OfferExpired)
_UPDATE = (
    assignments.update()
    .where(assignments.c.id == sa.bindparam("row_id"))
    .values(
        done_steps=sa.bindparam("done", type_=assignments.c.done_steps.type),
        next_due_at=sa.bindparam("due", type_=assignments.c.next_due_at.type),
    )
)


@dataclass
class TimerRun:
    """What one call of ``run_due`` did."""

    actions: int = 0  # steps carried out and recorded
    failed: int = 0  # rows that failed and wait RETRY_AFTER


def run_due(
    *,
    new_uow: Callable[[], UnitOfWork],
    caches: RoutingCaches,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    max_assignments: int = 10_000,
    on_batch: Callable[[TimerRun], None] | None = None,
) -> TimerRun:
    """Carry out every timer step due at ``now`` (looking at up to ``max_assignments`` rows);
    each batch and each handed-over row in a transaction of its own, from ``new_uow``."""
    run, seen = TimerRun(), 0
    with new_uow() as uow:
        failing = [(r.agency_id, r.id) for r in _claim(uow.conn, now, batch_size, failing=True)]
    for agency_id, assignment_id in failing:
        _single(new_uow, caches, agency_id, assignment_id, now, run)
    while seen < max_assignments:
        claimed, singles = _batch(new_uow(), caches, now, batch_size, run)
        seen += claimed
        for agency_id, assignment_id in singles:
            _single(new_uow, caches, agency_id, assignment_id, now, run)
        if on_batch is not None:
            on_batch(run)
        if claimed < batch_size:
            break
    return run


class _Batch:
    """Rows, leads, owners, agencies and rules of one transaction, each read once."""

    def __init__(
        self, conn: sa.Connection, caches: RoutingCaches, rows: list[Any], now: datetime
    ) -> None:
        self.conn, self.deps = conn, caches
        self.out = Messages(now)
        self.leads = _by_id(conn, leads, {r.lead_id for r in rows}, *_LEAD_COLUMNS)
        owners = {r.producer_id for r in rows}
        self.owners = _by_id(conn, producers, owners, *_OWNER_COLUMNS)
        self.agencies = _by_id(conn, agencies, {r.agency_id for r in rows}, *_AGENCY_COLUMNS)
        self.endpoints = subscribed(conn, set(self.agencies))
        self.managers = managers_of(conn, set(self.agencies))
        self._rules: dict[int, TimingRules] = {}

    def rules(self, agency_id: int) -> TimingRules:
        if agency_id not in self._rules:
            self._rules[agency_id] = ts.rules_for(self.conn, self.deps, agency_id)
        return self._rules[agency_id]

    def state(self, row: Any) -> TimerState:
        return ts.state_of(row, self.leads[row.lead_id], self.agencies[row.agency_id].timezone)

    def scene(self, row: Any) -> Scene:
        return Scene(
            agency_id=row.agency_id, agency_name=self.agencies[row.agency_id].name,
            lead=self.leads[row.lead_id], owner=self.owners[row.producer_id],
            assignment_id=row.id, started_at=row.started_at, out=self.out,
            endpoints=self.endpoints[row.agency_id], managers=self.managers[row.agency_id],
        )  # fmt: skip


def _batch(
    uow: UnitOfWork, caches: RoutingCaches, now: datetime, size: int, run: TimerRun
) -> tuple[int, list[tuple[int, int]]]:
    """The batch pass; how many rows it claimed, and the rows left for one-by-one handling."""
    singles: list[tuple[int, int]] = []
    done, updates = 0, []
    with uow:
        rows = _claim(uow.conn, now, size)
        if not rows:
            return 0, []
        try:
            batch = _Batch(uow.conn, caches, rows, now)
            for row in rows:
                state, rules = batch.state(row), batch.rules(row.agency_id)
                actions = due_actions(state, rules, now)
                if any(isinstance(a, _HANDS_OVER) for a in actions):
                    singles.append((row.agency_id, row.id))
                    continue
                scene = batch.scene(row)
                for action in actions:
                    carry_out(scene, action)
                state = state.done_with(actions)
                due = next_due_at(state, rules, now)
                updates.append({"row_id": row.id, "done": sorted(state.done), "due": due})
                done += len(actions)
            batch.out.flush(uow.conn)
            if updates:
                uow.conn.execute(_UPDATE, updates)
            uow.commit()
        except Exception:
            log.exception("timer batch failed; its %d rows are retried one by one", len(rows))
            uow.rollback()
            return len(rows), [(r.agency_id, r.id) for r in rows]
    run.actions += done
    return len(rows), singles


def _single(
    new_uow: Callable[[], UnitOfWork],
    caches: RoutingCaches,
    agency_id: int,
    assignment_id: int,
    now: datetime,
    run: TimerRun,
) -> None:
    """One row in its own transaction, under the agency's routing lock."""
    try:
        with new_uow() as uow:
            conn = uow.conn
            lock_agency(conn, agency_id)
            rows = _claim(conn, now, 1, assignment_id=assignment_id)
            if not rows:
                return  # done meanwhile, or another worker holds it
            row, batch = rows[0], _Batch(conn, caches, rows, now)
            rules, state, scene = batch.rules(agency_id), batch.state(row), batch.scene(row)
            done: list[Action] = []
            for action in due_actions(state, rules, now):
                done.append(action)
                if not isinstance(action, _HANDS_OVER):
                    carry_out(scene, action)
                elif hand_over(conn, caches, row, scene, state.done_with(done), action, now):
                    break
            else:
                after = state.done_with(done)
                due = next_due_at(after, rules, now)
                conn.execute(_UPDATE, {"row_id": row.id, "done": sorted(after.done), "due": due})
            if row.timer_failures:
                conn.execute(
                    assignments.update().where(assignments.c.id == row.id).values(timer_failures=0)
                )
            batch.out.flush(conn)
            uow.commit()
        run.actions += len(done)
    except Exception:
        log.exception("timer step of assignment %d failed", assignment_id)
        run.failed += 1
        _record_failure(new_uow, agency_id, assignment_id, now)


def _record_failure(
    new_uow: Callable[[], UnitOfWork], agency_id: int, assignment_id: int, now: datetime
) -> None:
    """Retry later, or park the row and tell the managers once it keeps failing."""
    with new_uow() as uow:
        failures = 1 + int(
            uow.conn.execute(
                sa.select(assignments.c.timer_failures).where(assignments.c.id == assignment_id)
            ).scalar()
            or 0
        )
        parked = failures >= PARK_AFTER
        uow.conn.execute(
            assignments.update()
            .where(assignments.c.id == assignment_id)
            .values(timer_failures=failures, next_due_at=None if parked else now + RETRY_AFTER)
        )
        if parked:
            lead_id = uow.conn.execute(
                sa.select(assignments.c.lead_id).where(assignments.c.id == assignment_id)
            ).scalar()
            log.error("timer of assignment %d parked after %d failures", assignment_id, failures)
            enqueue_alert(
                uow.conn,
                agency_id=agency_id,
                kind="timer.parked",
                message=(
                    f"The timers of lead {lead_id} failed {failures} times and are stopped: "
                    "no escalation or follow-up will run for it until someone looks."
                ),
                now=now,
                role=Role.MANAGER,
                lead_id=lead_id,
                dedupe_key=f"timer.parked:{assignment_id}",
            )
        uow.commit()


def _claim(
    conn: sa.Connection,
    now: datetime,
    limit: int,
    *,
    assignment_id: int | None = None,
    failing: bool = False,
) -> list[Any]:
    """Due open assignments, oldest due first; locked, skipping locked ones, on PostgreSQL.

    Without ``assignment_id``: rows that never failed, or (``failing``) only those that did.
    """
    query = (
        sa.select(assignments)
        .where(assignments.c.next_due_at <= now, assignments.c.ended_at.is_(None))
        .order_by(assignments.c.next_due_at, assignments.c.id)
        .limit(limit)
    )
    if assignment_id is not None:
        query = query.where(assignments.c.id == assignment_id)
    elif failing:
        query = query.where(assignments.c.timer_failures > 0)
    else:
        query = query.where(assignments.c.timer_failures == 0)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query).all())


def _by_id(
    conn: sa.Connection, table: sa.Table, ids: set[int], *columns: sa.ColumnElement[Any]
) -> dict[int, Any]:
    query = sa.select(table.c.id, *columns).where(table.c.id.in_(sorted(ids)))
    return {r.id: r for r in conn.execute(query)}


_LEAD_COLUMNS = tuple(leads.c[name] for name in (
    "agency_id", "status", "first_name", "last_name", "email", "phone", "timezone",
    "insurance_type", "state", "zip", "source_name", "do_not_contact", "first_assigned_at",
))  # fmt: skip
_OWNER_COLUMNS = (producers.c.name, producers.c.email, producers.c.phone)
_AGENCY_COLUMNS = (agencies.c.name, agencies.c.timezone)
