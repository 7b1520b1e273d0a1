"""One strategy, one month: the real intake, routing engine, timers and worker on a virtual clock.

Each strategy gets a fresh database with the same roster and the same history. Leads
arrive through ``receive_lead`` (routed in the intake's transaction, or queued); the worker
ticks whenever a timer is due and whenever a shift starts (queues drain then); producers
call their leads after their own response time (later when busy with another call), and
the outcome is recorded through the real outcome service at the call (bound, or lost:
not reached or no sale; one transaction per lead keeps a month within a minute). The clock
jumps from event to event.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.domain.model import LeadStatus
from leadrouter.notify.channel import OutboundMessage
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.leads.outcomes import OutcomeData, record_outcome
from leadrouter.services.learning.estimates import EstimatesCache
from leadrouter.services.learning.replay import eligible_ids
from leadrouter.services.routing.route import after_intake
from leadrouter.sim.events import Agenda
from leadrouter.sim.history import insert_history
from leadrouter.sim.memory import Choice, Outcome
from leadrouter.sim.roster import load_roster
from leadrouter.sim.scenario import (
    Scenario,
    SimLead,
    response_minutes,
    shift_starts,
)
from leadrouter.sim.truth import bind_probability
from leadrouter.store.tables import assignments, decisions, leads
from leadrouter.worker import Worker

CALL_MINUTES = 10.0
TAIL = timedelta(days=3)  # keep the clock running after the last arrival


class _Instant:
    """Every channel delivers at once: the simulation measures routing, not providers."""

    def deliver(self, message: OutboundMessage, now: datetime) -> str:
        return f"sim {message.id}"


class Simulation:
    """The state of one run; ``run`` drives it to the end."""

    def __init__(self, scenario: Scenario, policy: str, name: str, folder: Path, template: Path):
        self.s, self.name = scenario, name
        path = folder / f"{name.replace(' ', '_')}.db"
        path.write_bytes(template.read_bytes())
        first = scenario.start - timedelta(days=scenario.history_days + 1)
        self.clock = FixedClock(first.astimezone(UTC))
        # Every strategy learns from the same history; none retrains its rubric or model midway.
        settings = Settings(database_url=f"sqlite:///{path}", learning_interval_hours=0)
        self.c: Container = bootstrap(settings, clock=self.clock)
        self.c.routing.rng = random.Random(scenario.seed * 1_000_003 + 17)
        # Outcomes of a day move the estimates little: refit a few times a day.
        self.c.routing.estimates = EstimatesCache(refresh=timedelta(hours=4))
        self.agency_id, self.ids = load_roster(self.c, scenario, policy)
        self.index_of = {db: i for i, db in self.ids.items()}
        insert_history(self.c, self.agency_id, scenario, self.ids)
        self.worker = Worker(
            self.c,
            {ch: _Instant() for ch in ("email", "sms", "webhook", "inapp")},
            rng=random.Random(1),
        )
        self.agenda = Agenda()
        self.db_id: dict[int, int] = {}  # lead index -> leads.id
        self.by_db: dict[int, int] = {}
        self.owner: dict[int, int | None] = {}  # lead index -> producer index as last seen
        self.open: set[int] = set()  # lead indexes not yet closed
        self.free_at: dict[int, datetime] = {}
        self.result = Outcome(name, len(scenario.leads))

    def run(self, progress: Callable[[int], None] | None = None) -> Outcome:
        s = self.s
        for lead in s.leads:
            self.agenda.add(lead.arrival, "arrive", lead.index)
        for start in shift_starts(s.producers, s.start, s.days + TAIL.days):
            self.agenda.add(start + timedelta(seconds=1), "tick", -1)
        horizon = s.end + TAIL
        while (event := self.agenda.pop_until(horizon)) is not None:
            self._ticks_until(event.at)
            self.clock.set(event.at.astimezone(UTC))
            if event.kind == "arrive":
                self._arrive(s.leads[event.lead])
                if progress is not None:
                    progress(1)
            elif event.kind == "tick":
                self._tick()
            elif event.kind == "call":
                assert event.producer is not None  # a call is always to a producer
                self._call(s.leads[event.lead], event.producer)
        self._finish()
        return self.result

    def _ticks_until(self, until: datetime) -> None:
        """Tick the worker at every instant a timer falls due before ``until``."""
        while True:
            with self.c.engine.connect() as conn:
                due = conn.execute(
                    sa.select(sa.func.min(assignments.c.next_due_at)).where(
                        assignments.c.ended_at.is_(None)
                    )
                ).scalar()
            if due is None:
                return
            due = due if due.tzinfo else due.replace(tzinfo=UTC)
            if due > until or due <= self.clock.now():
                if due <= self.clock.now() < until:
                    due = self.clock.now() + timedelta(seconds=30)  # retried: a poll later
                    if due > until:
                        return
                else:
                    return
            self.clock.set(due)
            self._tick()

    def _tick(self) -> None:
        self.worker.tick()
        self._sync()

    def _arrive(self, lead: SimLead) -> None:
        result = receive_lead(
            uow=self.c.uow(),
            agency_id=self.agency_id,
            payload=_payload(lead),
            idempotency_key=None,
            now=self.clock.now(),
            after_store=after_intake(self.c.routing),
        )
        self.db_id[lead.index] = result.lead_id
        self.by_db[result.lead_id] = lead.index
        self.owner[lead.index] = None
        self.open.add(lead.index)
        self._sync([lead.index])

    def _sync(self, only: list[int] | None = None) -> None:
        """Learn of new owners (intake, queue drains, reassignments): each calls in turn."""
        wanted = (
            only
            if only is not None
            else [i for i in self.open if i not in self.result.first_call_minutes]
        )
        if not wanted:
            return
        with self.c.engine.connect() as conn:
            rows = conn.execute(
                sa.select(leads.c.id, leads.c.owner_id).where(
                    leads.c.id.in_([self.db_id[i] for i in wanted])
                )
            ).all()
        now = self.clock.now()
        for lead_id, owner_id in rows:
            i = self.by_db[lead_id]
            p = self.index_of.get(owner_id) if owner_id is not None else None
            if p is None or p == self.owner.get(i):
                continue
            self.owner[i] = p
            free = max(now, self.free_at.get(p, now))
            call_at = free + timedelta(
                minutes=response_minutes(self.s.producers[p], self.s.leads[i])
            )
            self.free_at[p] = call_at + timedelta(minutes=CALL_MINUTES)
            self.agenda.add(call_at, "call", i, p)

    def _call(self, lead: SimLead, producer: int) -> None:
        if self.owner.get(lead.index) != producer or lead.index in self.result.first_call_minutes:
            return  # reassigned before the call, or someone already called
        delay = (self.clock.now() - lead.arrival).total_seconds() / 60
        self.result.first_call_minutes[lead.index] = delay
        truth = self.s.producers[producer]
        reach, close = bind_probability(truth, lead, delay_minutes=delay)
        self.result.expected_binds += reach * close
        lead_id = self.db_id[lead.index]
        self.open.discard(lead.index)
        self.result.reward[lead.index] = int(lead.u_contact < reach and lead.u_bind < close)
        if lead.u_contact < reach and lead.u_bind < close:
            self._outcome(lead_id, LeadStatus.BOUND, "bound", Decimal(str(lead.premium)))
            self.result.binds += 1
            self.result.premium += lead.premium
            self.result.bound_at[lead.index] = self.clock.now()
        else:
            self._outcome(
                lead_id,
                LeadStatus.LOST,
                "reached, no sale" if lead.u_contact < reach else "not reached",
            )

    def _outcome(
        self, lead_id: int, status: LeadStatus, reason: str, premium: Decimal | None = None
    ) -> None:
        record_outcome(
            uow=self.c.uow(),
            routing_deps=self.c.routing,
            agency_id=self.agency_id,
            lead_id=lead_id,
            status=status,
            reason=reason,
            now=self.clock.now(),
            data=OutcomeData(premium=premium) if premium is not None else None,
        )

    def _finish(self) -> None:
        with self.c.engine.connect() as conn:
            for lead_id, pid, created_at, doc in conn.execute(
                sa.select(
                    decisions.c.lead_id,
                    decisions.c.producer_id,
                    decisions.c.created_at,
                    decisions.c.explanation,
                )
                .where(decisions.c.agency_id == self.agency_id, decisions.c.outcome == "assigned")
                .order_by(decisions.c.id)
            ):
                candidates = tuple(sorted(self.index_of[p] for p in eligible_ids(doc)))
                self.result.choices.append(
                    Choice(
                        self.by_db[lead_id],
                        self.index_of[pid],
                        created_at,
                        candidates,
                        doc.get("propensity"),
                    )
                )
            rows = conn.execute(
                sa.select(leads.c.id, leads.c.owner_id).where(leads.c.agency_id == self.agency_id)
            ).all()
        for lead_id, owner_id in rows:
            i = self.by_db.get(lead_id)
            if i is None:
                continue
            if owner_id is None:
                self.result.unassigned += 1
            else:
                self.result.final_owner[i] = self.index_of[owner_id]
        self.c.engine.dispose()


def _payload(lead: SimLead) -> dict[str, object]:
    from leadrouter.sim.scenario import ZIPS

    n = lead.index
    return {
        "first_name": "Sim",
        "last_name": f"Lead{n}",
        "zip": ZIPS[lead.state],
        "email": f"lead{n}@sim.example",
        "phone": f"({(212, 646, 718, 917)[n // 10000 % 4]}) 736-{n % 10000:04d}",
        "insurance_type": lead.insurance_type,
        "source": lead.source,
        "intent_tier": lead.tier,
    }


def run_strategy(
    scenario: Scenario,
    name: str,
    policy: str,
    *,
    template: Path,
    folder: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Run the month under ``policy``; the outcome of every lead."""
    import time

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadrouter-sim-") as tmp:
        sim = Simulation(scenario, policy, name, Path(folder or tmp), template)
        result = sim.run(progress)
    result.seconds = time.perf_counter() - t0
    return result
