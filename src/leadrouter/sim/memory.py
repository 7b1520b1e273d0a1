"""The fast simulation: the real routing engine and estimates, with the store held in memory.

``domain.routing.route`` decides every lead (license gate, the policy document's steps,
the strategy, the optimizer's draws and logged probability) exactly as the service does;
this module keeps what the database would: open and daily counts, rotation counters, the
queue (drained when a shift starts or a lead closes), the 30-minute reassignment of an
uncalled lead (the time engine's ``reassign`` rung: once per lead, to someone other than
the owner, and only when someone else is eligible; otherwise the lead stays), the
weighted score's track records and the optimizer's estimates (refit every few hours from
history plus the month's closed leads). A month of a 20-producer agency takes seconds.
``sim.run`` drives the same month through the services, the database and the worker.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import time as wall
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import Lead, LeadStatus, License, Producer, Shift, Territory
from leadrouter.domain.routing import (
    Belief,
    LearningInput,
    ProducerLoad,
    RosterSnapshot,
    RoutingInput,
    route,
)
from leadrouter.learning.estimates import LIVE, ConversionEstimates, Observation, fit, segment_of
from leadrouter.policy.load import parse_policy, to_routing_policy
from leadrouter.sim.history import history_outcomes
from leadrouter.sim.roster import TIMING
from leadrouter.sim.scenario import (
    AGENCY_TZ,
    MAX_OPEN,
    Scenario,
    SimLead,
    authority,
    licensed,
    response_minutes,
    shift_starts,
)
from leadrouter.sim.truth import TrueProducer, bind_probability

CALL_MINUTES = 10.0
REASSIGN_AFTER = timedelta(minutes=30)
REFIT_EVERY = timedelta(hours=4)
TAIL = timedelta(days=3)
RECORD_PRIOR = 10  # as store.stats_repo: closes the agency rate counts for


@dataclass
class Choice:
    """One assignment: the lead, the producer, when, the candidates it had, its probability;
    and the situation of the candidates then (for off-policy evaluation): the loads the
    engine saw, and when each was truly free to call it, in minutes after the lead arrived
    (the simulator's truth)."""

    lead: int
    producer: int
    at: datetime
    candidates: tuple[int, ...]
    propensity: float | None
    kind: str = "route"
    loads: dict[int, ProducerLoad] = field(default_factory=dict)
    waits: dict[int, float] = field(default_factory=dict)


@dataclass
class Outcome:
    strategy: str
    leads: int
    binds: int = 0
    premium: float = 0.0
    expected_binds: float = 0.0
    first_call_minutes: dict[int, float] = field(default_factory=dict)
    bound_at: dict[int, datetime] = field(default_factory=dict)
    reward: dict[int, int] = field(default_factory=dict)  # lead -> bound (0/1) as called
    choices: list[Choice] = field(default_factory=list)
    final_owner: dict[int, int] = field(default_factory=dict)
    unassigned: int = 0
    seconds: float = 0.0


def domain_roster(s: Scenario) -> RosterSnapshot:
    """The scenario's roster as the engine sees it (ids are index + 1)."""
    producers, licenses, territories = [], [], []
    for p in s.producers:
        a, b = p.shift
        shifts = [Shift(d, time(a), time(b)) for d in range(5)]
        if p.saturday:
            shifts.append(Shift(5, time(9), time(13)))
        pid = p.index + 1
        producers.append(
            Producer(
                id=pid,
                agency_id=1,
                name=f"Producer {p.index}",
                email=f"p{p.index}@sim.example",
                working_hours=tuple(shifts),
                business_lines=frozenset(p.lines),
                max_daily=p.max_daily,
                max_open=MAX_OPEN,
                team=f"Team {p.index % 4}",
            )
        )
        held = authority(p)
        for k, state in enumerate(p.states):
            licenses.append(
                License(
                    id=pid * 100 + k,
                    agency_id=1,
                    producer_id=pid,
                    state=state,
                    number=f"{state}-{pid}",
                    lines=held,
                    resident=k == 0,
                    effective_date=date(2000, 1, 1),
                    expiration_date=None,
                    verified_at=datetime(2020, 1, 1, tzinfo=UTC),
                )
            )
        territories.append(
            Territory(
                id=pid,
                agency_id=1,
                name=f"Home {p.index}",
                states=frozenset({p.states[0]}),
                producer_id=pid,
            )
        )
    return RosterSnapshot.build(producers, licenses, territories)


# A policy under evaluation that the policy document cannot express: from the lead, the
# producers the engine found eligible (scenario indexes) and when each is free to call it
# (minutes after the lead arrived), a probability for each.
Override = Callable[[SimLead, tuple[int, ...], dict[int, float]], dict[int, float]]


class MemoryRun:
    """One strategy's month; ``run`` returns every lead's fate."""

    def __init__(
        self, s: Scenario, policy_text: str, name: str, override: Override | None = None
    ) -> None:
        self.s, self.name, self.override = s, name, override
        self.policy = to_routing_policy(parse_policy(policy_text + TIMING))
        self.opt = self.policy.optimizer()
        self.roster = domain_roster(s)
        self.rng = random.Random(s.seed * 1_000_003 + 17)
        self.events: list[tuple[datetime, int, str, int, int]] = []
        self.seq = 0
        self.open_count: dict[int, int] = {}
        self.day_count: dict[tuple[int, date], int] = {}
        self.rotation: dict[str, dict[int, int]] = {}
        self.queue: list[int] = []
        self.owner: dict[int, int] = {}
        self.first_assigned: dict[int, datetime] = {}
        self.reassigned: set[int] = set()  # leads whose reassignment rung is done
        self.free_at: dict[int, datetime] = {}
        self.last_call: dict[int, datetime] = {}  # producer id -> their last first call
        # Closed leads in the order they closed (the month's are appended as they close), so
        # a trailing window is a slice found by bisection.
        self.observations = sorted(history_outcomes(s), key=lambda row: row[0])
        self.closed_at = [at for at, _, _ in self.observations]
        self.window: tuple[int, int] = (-1, -1)
        self.estimates: ConversionEstimates | None = None
        self.records: dict[int, tuple[float | None, float | None]] = {}
        self._tally: dict[int, tuple[int, int, float, int]] = {}
        self.fitted_at: datetime | None = None
        self.out = Outcome(name, len(s.leads))

    def _push(self, at: datetime, kind: str, lead: int = -1, producer: int = -1) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, lead, producer))

    def run(self, progress: Callable[[int], None] | None = None) -> Outcome:
        t0 = wall.perf_counter()
        for lead in self.s.leads:
            self._push(lead.arrival, "arrive", lead.index)
        for start in shift_starts(self.s.producers, self.s.start, self.s.days + TAIL.days):
            self._push(start, "drain")
        horizon = self.s.end + TAIL
        while self.events and self.events[0][0] <= horizon:
            at, _, kind, i, p = heapq.heappop(self.events)
            if kind == "arrive":
                self._route(i, at, "route")
                if progress is not None:
                    progress(1)
            elif kind == "drain":
                self._drain(at)
            elif kind == "call":
                self._call(i, p, at)
            elif (
                kind == "reassign"
                and self.owner.get(i) == p
                and i not in self.out.first_call_minutes
                and i not in self.reassigned
            ):
                self.reassigned.add(i)
                if self._route(i, at, "reassign", exclude=p) and self.queue:
                    self._drain(at, self.s.producers[p])  # the old owner has room again
        self.out.unassigned = sum(1 for lead in self.s.leads if lead.index not in self.owner)
        self.out.final_owner = dict(self.owner)
        self.out.seconds = wall.perf_counter() - t0
        return self.out

    def _loads(self, today: date, now: datetime) -> dict[int, ProducerLoad]:
        return {
            p.id: ProducerLoad(
                open_count=self.open_count.get(p.id, 0),
                new_today=self.day_count.get((p.id, today), 0),
                close_rate=self.records.get(p.id, (None, None))[0],
                avg_response_seconds=self.records.get(p.id, (None, None))[1],
                minutes_since_contact=None
                if p.id not in self.last_call
                else (now - self.last_call[p.id]).total_seconds() / 60,
            )
            for p in self.roster.producers
        }

    def _learning(self, lead: SimLead, today: date, now: datetime) -> LearningInput | None:
        if self.opt is None or self.estimates is None:
            return None
        est, seg = self.estimates, segment_of(lead.line, lead.tier, lead.source, lead.state)
        since = today if self.opt.period == "day" else today - timedelta(days=today.weekday())
        counts: dict[int, int] = {}
        for (pid, day), n in self.day_count.items():
            if since <= day <= today:
                counts[pid] = counts.get(pid, 0) + n
        beliefs = {
            pid: Belief(*est.posterior(pid - 1, seg))
            for pid in (p.id for p in self.roster.producers)
        }
        return LearningInput(beliefs, counts, sum(counts.values()), self.rng)

    def _refit(self, now: datetime) -> None:
        if self.fitted_at is not None and now - self.fitted_at < REFIT_EVERY:
            return
        days = self.opt.window_days if self.opt is not None else 90
        window = (
            bisect.bisect_left(self.closed_at, now - timedelta(days=days)),
            bisect.bisect_left(self.closed_at, now),
        )
        self.fitted_at = now
        if window == self.window:
            return  # nothing closed or aged out since the last fit
        (a0, b0), self.window = self.window, window
        if self.opt is not None:
            self.estimates = fit(o for _, o, _ in itertools.islice(self.observations, *window))
        # The track records move with the window: add what entered it, take out what left.
        if a0 < 0 or window[0] >= b0:
            self._tally = {}
            a0 = b0 = window[0]
        for k in range(a0, window[0]):
            self._count(k, -1)
        for k in range(b0, window[1]):
            self._count(k, +1)
        closes = sum(n for n, _, _, _ in self._tally.values())
        prior = sum(b for _, b, _, _ in self._tally.values()) / closes if closes else None
        self.records = {
            pid + 1: (
                None if prior is None else (b + RECORD_PRIOR * prior) / (n + RECORD_PRIOR),
                s / m if m else None,
            )
            for pid, (n, b, s, m) in self._tally.items()
            if n
        }

    def _count(self, k: int, sign: int) -> None:
        """Add (+1) or take out (-1) closed lead ``k`` of the producer's tally: (closes,
        binds, seconds to contact summed, contacts)."""
        _, o, seconds = self.observations[k]
        n, b, s, m = self._tally.get(o.producer_id, (0, 0, 0.0, 0))
        reached = seconds is not None
        self._tally[o.producer_id] = (
            n + sign,
            b + sign * int(o.bound),
            s + sign * (seconds or 0.0),
            m + sign * reached,
        )

    def _route(self, i: int, now: datetime, kind: str, exclude: int | None = None) -> bool:
        """Decide lead ``i``; a reassignment away from ``exclude`` that finds nobody else
        leaves the lead with its owner, anything else that finds nobody queues it."""
        self._refit(now)
        lead = self.s.leads[i]
        today = now.astimezone(AGENCY_TZ).date()
        inp = RoutingInput(
            lead=Lead(
                id=i + 1,
                agency_id=1,
                status=LeadStatus.NEW,
                created_at=lead.arrival,
                insurance_type=lead.insurance_type,
                state=lead.state,
                source=lead.source,
                intent_tier=lead.tier,
            ),
            insurance_type=DEFAULT_TYPES.get(lead.insurance_type),
            client=None,
            loads=self._loads(today, now),
            rotation=self.rotation,
            now=now,
            agency_tz="America/New_York",
            learning=self._learning(lead, today, now),
        )
        away = frozenset() if exclude is None else frozenset({exclude + 1})
        d = route(self.roster, inp, self.policy, exclude=away)
        if d.outcome != "assigned" or d.producer_id is None:
            if exclude is None and i not in self.queue:
                self.queue.append(i)
            return False
        if exclude is not None:
            self._end(i, exclude)
        pid, propensity = d.producer_id, d.propensity
        if i in self.queue:
            self.queue.remove(i)
        eligible = tuple(
            c.producer_id - 1 for c in d.candidates if c.excluded_by in (None, "strategy")
        )
        waits = {
            k: (max(now, self.free_at.get(k + 1, now)) - lead.arrival).total_seconds() / 60
            for k in eligible
        }
        if self.override is not None:
            probs = self.override(lead, eligible, waits)
            names = sorted(probs)
            pick = self.rng.choices(names, [probs[k] for k in names])[0]
            pid, propensity = pick + 1, probs[pick]
        loads = {k: inp.loads[k + 1] for k in eligible if k + 1 in inp.loads}
        self.out.choices.append(
            Choice(i, pid - 1, now, eligible, propensity, kind, loads=loads, waits=waits)
        )
        self.open_count[pid] = self.open_count.get(pid, 0) + 1
        self.day_count[(pid, today)] = self.day_count.get((pid, today), 0) + 1
        if d.pool:
            counts = self.rotation.setdefault(d.pool, {})
            floor = min(counts.values(), default=0)
            for c in d.candidates:
                if c.excluded_by is None:
                    counts.setdefault(c.producer_id, floor)
            counts[pid] = counts.get(pid, floor) + 1
        self.owner[i] = pid - 1
        self.first_assigned.setdefault(i, now)
        truth = self.s.producers[pid - 1]
        free = max(now, self.free_at.get(pid, now))
        call = free + timedelta(minutes=response_minutes(truth, lead))
        self.free_at[pid] = call + timedelta(minutes=CALL_MINUTES)
        self._push(call, "call", i, pid - 1)
        self._push(now + REASSIGN_AFTER, "reassign", i, pid - 1)
        return True

    def _end(self, i: int, p: int) -> None:
        self.open_count[p + 1] -= 1

    def _drain(self, now: datetime, freed: TrueProducer | None = None) -> None:
        for i in list(self.queue):  # oldest first, like the queue's order
            if freed is None or licensed(freed, self.s.leads[i]):
                self._route(i, now, "drain")

    def _call(self, i: int, p: int, now: datetime) -> None:
        if self.owner.get(i) != p or i in self.out.first_call_minutes:
            return
        lead = self.s.leads[i]
        delay = (now - lead.arrival).total_seconds() / 60
        self.out.first_call_minutes[i] = delay
        self.last_call[p + 1] = now
        reach, close = bind_probability(self.s.producers[p], lead, delay_minutes=delay)
        self.out.expected_binds += reach * close
        bound = lead.u_contact < reach and lead.u_bind < close
        self.out.reward[i] = int(bound)
        if bound:
            self.out.binds += 1
            self.out.premium += lead.premium
            self.out.bound_at[i] = now
        seg = segment_of(lead.line, lead.tier, lead.source, lead.state)
        reached = lead.u_contact < reach
        if self.first_assigned[i] - lead.arrival <= LIVE:
            self.closed_at.append(now)
            self.observations.append(
                (
                    now,
                    Observation(p, seg, bound, lead.premium if bound else 0.0),
                    delay * 60 if reached else None,
                )
            )
        self._end(i, p)
        if self.queue:
            # Only this producer's room changed: only leads they may take can leave the queue.
            self._drain(now, self.s.producers[p])


def run_memory(
    s: Scenario,
    name: str,
    policy: str,
    progress: Callable[[int], None] | None = None,
    override: Override | None = None,
) -> Outcome:
    """The month under ``policy`` (its choice replaced by ``override`` when given)."""
    return MemoryRun(s, policy, name, override).run(progress)
