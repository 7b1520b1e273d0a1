"""The worker: one loop that carries out whatever is due, for every agency.

Each tick it (1) delivers due outbox messages, (2) applies due timer actions of open
assignments, (3) drains queues whose agency's roster changed, and every minute all queues
(a shift may have started) and any lead whose routing failed at intake, (4) sweeps license
expirations, (5) takes over an import job whose process died, (6) refits each agency's intent
rubric and propensity model every ``learning_interval_hours`` (``services.learning.schedule``),
(7) folds a batch of the rollups' change log into the daily rollups (``store.rollups``),
(8) on PostgreSQL, analyzes every ten seconds the tables that hold rows and were never analyzed
(``store.statistics``: a new database's planner needs them).
Every step reads what is due from the database and records what it did in the same
transaction, so a worker killed at any instant loses nothing and a restarted one repeats
nothing; any number of workers may run.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.import_runner import StrandedImports
from leadrouter.notify.channel import Channel
from leadrouter.notify.channels import retry_policy
from leadrouter.notify.dispatcher import dispatch_once
from leadrouter.services.compliance.expirations import sweep_all_agencies
from leadrouter.services.learning.schedule import learn_due
from leadrouter.services.routing import queue
from leadrouter.services.routing import route as routing
from leadrouter.services.timers import step as timers
from leadrouter.store import idempotency
from leadrouter.store.rollups import FOLD_LIMIT, fold_log
from leadrouter.store.statistics import analyze_new_tables
from leadrouter.store.tables import queue_entries, roster_versions

log = logging.getLogger(__name__)

FULL_DRAIN_EVERY = timedelta(minutes=1)
SWEEP_EVERY = timedelta(minutes=10)
LEARNING_CHECK_EVERY = timedelta(minutes=10)
STATISTICS_EVERY = timedelta(seconds=10)


@dataclass
class TickStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    timer_actions: int = 0
    drained: int = 0
    license_alerts: int = 0
    learned: int = 0
    folded: int = 0


@dataclass
class WorkerState:
    """What one worker process remembers between ticks (only to save work, never for truth)."""

    roster_versions: dict[int, int] = field(default_factory=dict)
    last_full_drain: datetime | None = None
    last_sweep: datetime | None = None
    last_learning_check: datetime | None = None
    last_statistics_check: datetime | None = None
    # (agency, kind) -> when learning it was last tried, so a refusal waits an interval
    learning_tried: dict[tuple[int, str], datetime] = field(default_factory=dict)


class Worker:
    """Runs ticks until stopped."""

    def __init__(
        self,
        container: Container,
        channels: Mapping[str, Channel],
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.container = container
        self.channels = channels
        self.rng = rng or random.Random()
        self.state = WorkerState()
        self.imports = StrandedImports(container)

    def tick(self) -> TickStats:
        """Do everything that is due now, once."""
        now = self.container.clock.now()
        stats = TickStats()
        self._drain_queues(now, stats)
        # Timers before the outbox, so what they queue goes out in the same tick.
        stats.timer_actions = timers.run_due(
            new_uow=self.container.uow, caches=self.container.routing, now=now
        ).actions
        self._sweep_licenses(now, stats)
        self.imports.poll()  # an import whose process died goes on in a thread of ours
        self._learn(now, stats)
        sent = dispatch_once(
            engine=self.container.engine,
            channels=self.channels,
            now=now,
            rng=self.rng,
            retry=retry_policy(self.container.settings),
        )
        stats.sent, stats.retried, stats.dead = sent.sent, sent.retried, sent.dead
        stats.folded = self.fold_rollups()
        self._analyze_new_tables(now)
        return stats

    def fold_rollups(self, limit: int = FOLD_LIMIT) -> int:
        """Fold up to ``limit`` rows of the rollups' change log (the oldest) into the daily
        rollups, in one short transaction; how many. Writers never fold, so intake pays
        nothing for the rollups but the triggers' log rows."""
        with self.container.uow() as uow:
            folded = fold_log(uow.conn, limit=limit)
            uow.commit()
        return folded

    def _analyze_new_tables(self, now: datetime) -> None:
        last = self.state.last_statistics_check
        postgres = self.container.engine.dialect.name == "postgresql"
        if not postgres or (last is not None and now - last < STATISTICS_EVERY):
            return
        with self.container.uow() as uow:
            analyzed = analyze_new_tables(uow.conn)
            uow.commit()
        if analyzed:
            log.info("analyzed tables new to the planner: %s", ", ".join(analyzed))
        self.state.last_statistics_check = now

    def run(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set; a failing tick is logged."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("worker tick failed; trying again next tick")
            stop.wait(interval)

    def _sweep_licenses(self, now: datetime, stats: TickStats) -> None:
        """Expiration alerts and lapse flags, and forgetting expired idempotency keys;
        both idempotent, so every few minutes is enough."""
        last = self.state.last_sweep
        if last is not None and now - last < SWEEP_EVERY:
            return
        stats.license_alerts = sweep_all_agencies(new_uow=self.container.uow, now=now)
        with self.container.uow() as uow:
            idempotency.purge(uow.conn, now=now)
            uow.commit()
        self.state.last_sweep = now

    def _learn(self, now: datetime, stats: TickStats) -> None:
        """Refit rubrics and models that are older than the interval (looked at every few
        minutes; the interval itself is counted from each version's ``trained_at``)."""
        hours = self.container.settings.learning_interval_hours
        last = self.state.last_learning_check
        if hours <= 0 or (last is not None and now - last < LEARNING_CHECK_EVERY):
            return
        run = learn_due(
            new_uow=self.container.uow,
            caches=self.container.routing,
            now=now,
            every=timedelta(hours=hours),
            tried=self.state.learning_tried,
        )
        stats.learned = len(run.learned)
        self.state.last_learning_check = now

    def _drain_queues(self, now: datetime, stats: TickStats) -> None:
        full = (
            self.state.last_full_drain is None
            or now - self.state.last_full_drain >= FULL_DRAIN_EVERY
        )
        with self.container.uow(readonly=True) as uow:
            waiting = {
                int(a)
                for a in uow.conn.execute(
                    sa.select(queue_entries.c.agency_id)
                    .where(queue_entries.c.resolved_at.is_(None))
                    .distinct()
                ).scalars()
            }
            versions = {
                int(r.agency_id): int(r.version)
                for r in uow.conn.execute(sa.select(roster_versions))
            }
        changed = {a for a, v in versions.items() if self.state.roster_versions.get(a) != v}
        for agency_id in sorted(waiting if full else waiting & changed):
            stats.drained += sum(
                1
                for r in queue.drain_queue(
                    uow=self.container.uow(),
                    caches=self.container.routing,
                    agency_id=agency_id,
                    now=now,
                )
                if r.outcome == "assigned"
            )
        self.state.roster_versions = versions
        if full:
            stats.drained += sum(
                1
                for r in routing.route_stranded(
                    uow=self.container.uow(), caches=self.container.routing, now=now
                )
                if r.outcome == "assigned"
            )
            self.state.last_full_drain = now
