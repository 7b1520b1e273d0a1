"""A month of an agency on a virtual clock: leads arrive, producers call (some too late, so
the ladder reassigns and escalates), quote, bind and lose, and the real worker runs between.

Everything goes through the real services (intake and routing, activities, outcomes, the
worker's tick), so the month's database is what a real month would leave behind.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.domain.outcomes import LOST_REASONS
from leadrouter.errors import Conflict
from leadrouter.notify.channel import OutboundMessage
from leadrouter.roster.specs import SourceSpec
from leadrouter.services.leads import activities, outcomes
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.roster.sources import create_source
from leadrouter.services.routing.route import after_intake
from leadrouter.sim.agency import SyntheticAgency
from leadrouter.sim.events import Agenda, Event
from leadrouter.store.tables import assignments, leads
from leadrouter.worker import Worker

SOURCES = (("Google Ads", "45.00"), ("Facebook Ads", "25.00"), ("Referral", "0.00"))
TYPES = ("personal_auto", "home", "renters", "commercial_auto")


class Sink:
    """A channel that takes every message: the simulated month sends nothing out."""

    def deliver(self, message: OutboundMessage, now: datetime) -> str | None:
        """Accept the message."""
        return f"sim-{message.id}"


@dataclass(frozen=True)
class Habit:
    """How one producer works: how soon they call, and how well they sell."""

    fast: float  # chance of a first contact within minutes
    never: float  # chance of never calling at all
    quote: float
    bind: float


@dataclass
class MonthResult:
    leads: int = 0
    contacts: int = 0
    quotes: int = 0
    binds: int = 0
    losses: int = 0
    ticks: int = 0


def simulate_month(
    c: Container,
    clock: FixedClock,
    agency: SyntheticAgency,
    *,
    start: datetime,
    days: int = 30,
    lead_count: int = 60,
    settle_days: int = 10,
    seed: int = 7,
) -> MonthResult:
    """Run ``days`` of arrivals from ``start`` and ``settle_days`` more for their outcomes."""
    rng = random.Random(seed)
    clock.set(start)
    for name, cost in SOURCES:
        create_source(
            uow=c.uow(),
            agency_id=agency.agency_id,
            spec=SourceSpec(name=name, cost_per_lead=Decimal(cost)),
            now=start,
        )
    worker = Worker(c, {"email": Sink(), "sms": Sink(), "webhook": Sink(), "inapp": Sink()})
    sim = _Month(c, clock, agency.agency_id, rng, worker)
    arrivals = sorted(
        start + timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(lead_count)
    )
    for n, at in enumerate(arrivals):
        sim.agenda.add(at, "arrive", n)
    sim.run(until=start + timedelta(days=days + settle_days))
    return sim.result


class _Month:
    def __init__(
        self, c: Container, clock: FixedClock, agency_id: int, rng: random.Random, w: Worker
    ) -> None:
        self.c, self.clock, self.agency_id, self.rng, self.worker = c, clock, agency_id, rng, w
        self.agenda = Agenda()
        self.owners: dict[int, int | None] = {}
        self.habits: dict[int, Habit] = {}
        self.result = MonthResult()

    def run(self, *, until: datetime) -> None:
        while True:
            due = self._next_due()
            at = min(
                [t for t in (due, self.agenda.next_at()) if t is not None],
                default=None,
            )
            if at is None or at > until:
                break
            self.clock.set(max(self.clock.now(), at))
            while (event := self.agenda.pop_until(self.clock.now())) is not None:
                self._handle(event)
            self.worker.tick()
            self.result.ticks += 1
            self._follow_owners()
        self.clock.set(until)

    def _next_due(self) -> datetime | None:
        with self.c.engine.connect() as conn:
            due: datetime | None = conn.execute(
                sa.select(sa.func.min(assignments.c.next_due_at)).where(
                    assignments.c.agency_id == self.agency_id, assignments.c.ended_at.is_(None)
                )
            ).scalar()
        return due

    def habit(self, producer_id: int) -> Habit:
        if producer_id not in self.habits:
            r = self.rng
            self.habits[producer_id] = Habit(
                fast=r.uniform(0.3, 0.9),
                never=r.uniform(0.0, 0.2),
                quote=r.uniform(0.4, 0.8),
                bind=r.uniform(0.2, 0.6),
            )
        return self.habits[producer_id]

    def _follow_owners(self) -> None:
        """A lead with a new owner (routed, or reassigned by the ladder) gets that owner's call."""
        with self.c.engine.connect() as conn:
            rows = conn.execute(
                sa.select(leads.c.id, leads.c.owner_id).where(
                    leads.c.agency_id == self.agency_id,
                    leads.c.status == "assigned",
                    leads.c.first_contact_at.is_(None),
                )
            ).all()
        for lead_id, owner in rows:
            if owner is None or self.owners.get(lead_id) == owner:
                continue
            self.owners[lead_id] = owner
            h = self.habit(owner)
            roll = self.rng.random()
            if roll < h.never:
                continue
            minutes = (
                self.rng.uniform(0.5, 4.5) if roll < h.never + h.fast else self.rng.uniform(6, 90)
            )
            now = self.clock.now()
            self.agenda.add(now + timedelta(minutes=minutes * 0.6), "attempt", lead_id, owner)
            self.agenda.add(now + timedelta(minutes=minutes), "contact", lead_id, owner)

    def _handle(self, e: Event) -> None:
        # A Conflict: the lead moved on meanwhile (reassigned, closed); the producer is too late.
        with contextlib.suppress(Conflict):
            getattr(self, f"_{e.kind}")(e)

    def _arrive(self, e: Event) -> None:
        source = self.rng.choice([*(s for s, _ in SOURCES), None])
        payload = {
            "first_name": "Sim",
            "last_name": f"Lead{e.lead}",
            "zip": "10001",
            "email": f"sim{e.lead}@consumer.example",
            "phone": f"(646) 736-{e.lead:04d}",
            "insurance_type": self.rng.choice(TYPES),
            **({"source": source} if source else {}),
        }
        receive_lead(
            uow=self.c.uow(),
            agency_id=self.agency_id,
            payload=payload,
            idempotency_key=None,
            now=self.clock.now(),
            after_store=after_intake(self.c.routing),
        )
        self.result.leads += 1

    def _log(self, e: Event, kind: str) -> None:
        assert e.producer is not None
        activities.log_activity(
            uow=self.c.uow(),
            routing_deps=self.c.routing,
            agency_id=self.agency_id,
            lead_id=e.lead,
            producer_id=e.producer,
            kind=kind,
            at=None,
            note=None,
            now=self.clock.now(),
        )

    def _attempt(self, e: Event) -> None:
        self._log(e, "call_attempt")

    def _contact(self, e: Event) -> None:
        self._log(e, "contact_made")
        self.result.contacts += 1
        assert e.producer is not None
        h, now = self.habit(e.producer), self.clock.now()
        if self.rng.random() < h.quote:
            later = now + timedelta(hours=self.rng.uniform(1, 72))
            self.agenda.add(later, "quote", e.lead, e.producer)
        elif self.rng.random() < 0.5:
            later = now + timedelta(hours=self.rng.uniform(1, 72))
            self.agenda.add(later, "lose", e.lead, e.producer)

    def _outcome(self, e: Event, status: str, data: outcomes.OutcomeData) -> None:
        outcomes.record_outcome(
            uow=self.c.uow(),
            routing_deps=self.c.routing,
            agency_id=self.agency_id,
            lead_id=e.lead,
            status=status,
            reason="simulated",
            now=self.clock.now(),
            data=data,
        )

    def _quote(self, e: Event) -> None:
        premium = Decimal(self.rng.randrange(60000, 400000)) / 100
        self._outcome(e, "quoted", outcomes.OutcomeData(premium=premium))
        self.result.quotes += 1
        assert e.producer is not None
        later = self.clock.now() + timedelta(days=self.rng.uniform(0.5, 8))
        if self.rng.random() < self.habit(e.producer).bind:
            self.agenda.add(later, "bind", e.lead, e.producer)
        elif self.rng.random() < 0.6:
            self.agenda.add(later, "lose", e.lead, e.producer)

    def _bind(self, e: Event) -> None:
        premium = Decimal(self.rng.randrange(60000, 400000)) / 100
        data = outcomes.OutcomeData(premium=premium, policy_number=f"POL-{e.lead:05d}")
        self._outcome(e, "bound", data)
        self.result.binds += 1

    def _lose(self, e: Event) -> None:
        reason = self.rng.choice(LOST_REASONS)
        self._outcome(e, "lost", outcomes.OutcomeData(lost_reason=reason))
        self.result.losses += 1
