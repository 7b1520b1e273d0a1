"""A synthetic agency's month: producers with hidden traits, leads on realistic arrival curves.

Everything follows from the seed. Each lead carries its own random numbers (whether the
first call reaches the consumer, whether a reached consumer binds, how quickly a producer
gets to it), so every strategy meets the same luck and only its choices differ.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.learning.estimates import state_group
from leadrouter.sim.truth import TrueProducer

AGENCY_TZ = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, tzinfo=AGENCY_TZ)  # a Monday
STATES = ("NY", "NJ", "PA", "CT", "FL", "GA", "TX")
STATE_WEIGHTS = (0.24, 0.16, 0.14, 0.08, 0.16, 0.1, 0.12)
ZIPS = {
    "NY": "10001",
    "NJ": "07030",
    "PA": "19103",
    "CT": "06103",
    "FL": "33131",
    "GA": "30303",
    "TX": "75201",
}
LINES = {"personal": 0.6, "commercial": 0.25, "life": 0.15}
TYPES = {
    "personal": (("personal_auto", 0.6), ("home", 0.4)),
    "commercial": (("general_liability", 0.5), ("bop", 0.5)),
    "life": (("life", 1.0),),
}
PREMIUM = {"personal": 1500.0, "commercial": 4200.0, "life": 1100.0}
SOURCES = {"web": 0.45, "vendor": 0.35, "referral": 0.2}
TIERS = {"high": 0.25, "medium": 0.45, "low": 0.3}
WEEKDAY = (1.2, 1.1, 1.0, 1.0, 0.9, 0.4, 0.3)  # Monday first
HOURS = (
    *(0.2,) * 7,
    *(0.6, 1.2, 1.8, 2.0, 2.0, 1.6, 1.7, 1.8, 1.7, 1.4, 1.0, 0.8, 0.7, 0.6, 0.4, 0.3, 0.25),
)
SHIFTS = ((8, 16), (9, 17), (10, 18), (12, 20))
MAX_OPEN = 3  # leads a producer holds uncalled before the caps step passes them by


@dataclass(frozen=True)
class SimLead:
    index: int
    arrival: datetime
    line: str
    insurance_type: str
    state: str
    source: str
    tier: str
    u_contact: float  # the first call reaches the consumer when below P(contact)
    u_bind: float  # a reached consumer binds when below P(bind | contact)
    response_z: float  # standard normal: how this lead's first call strays from the median
    premium: float

    @property
    def region(self) -> str:
        return state_group(self.state)


@dataclass(frozen=True)
class Scenario:
    seed: int
    start: datetime
    days: int
    producers: list[TrueProducer]
    leads: list[SimLead]
    history: list[SimLead] = field(default_factory=list)
    history_days: int = 0

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def make_producers(rng: random.Random, n: int) -> list[TrueProducer]:
    """Producers who differ in skill (overall, by line, by region), speed, hours and caps."""
    out = []
    for i in range(n):
        lines = [
            line
            for line, p in (("personal", 0.9), ("commercial", 0.5), ("life", 0.45))
            if rng.random() < p
        ]
        lines = lines or [rng.choice(("personal", "commercial", "life"))]
        resident = rng.choices(STATES, STATE_WEIGHTS)[0]
        others = rng.sample([s for s in STATES if s != resident], rng.randint(2, 5))
        out.append(
            TrueProducer(
                index=i,
                skill=rng.gauss(0.0, 0.7),
                line_skill={line: rng.gauss(0.0, 0.35) for line in LINES},
                region_skill={r: rng.gauss(0.0, 0.2) for r in ("northeast", "south")},
                response_minutes=min(25.0, max(1.0, math.exp(rng.gauss(math.log(4.0), 0.8)))),
                lines=tuple(lines),
                states=(resident, *others),
                max_daily=rng.randint(6, 12),
                shift=SHIFTS[i % len(SHIFTS)],
                saturday=rng.random() < 0.3,
            )
        )
    return _covered(rng, out)


def _covered(rng: random.Random, people: list[TrueProducer]) -> list[TrueProducer]:
    """At least two producers licensed for each state and line, so no lead waits for ever."""
    for state in STATES:
        for line in LINES:
            while sum(state in p.states and line in p.lines for p in people) < 2:
                i = rng.randrange(len(people))
                p = people[i]
                people[i] = replace(
                    p,
                    states=p.states if state in p.states else (*p.states, state),
                    lines=p.lines if line in p.lines else (*p.lines, line),
                )
    return people


def make_leads(
    rng: random.Random, *, start: datetime, days: int, per_weekday: float, first_index: int = 0
) -> list[SimLead]:
    """Leads arriving as a Poisson process with weekly and daily curves (agency time)."""
    leads: list[SimLead] = []
    hour_total = sum(HOURS)
    for day in range(days):
        midnight = start + timedelta(days=day)
        for hour in range(24):
            rate = per_weekday * WEEKDAY[midnight.weekday()] * HOURS[hour] / hour_total
            for _ in range(_poisson(rng, rate)):
                at = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                leads.append(_lead(rng, first_index + len(leads), at))
    leads.sort(key=lambda lead: lead.arrival)
    return [
        SimLead(first_index + i, *(getattr(lead, f) for f in _FIELDS))
        for i, lead in enumerate(leads)
    ]


_FIELDS = (
    "arrival",
    "line",
    "insurance_type",
    "state",
    "source",
    "tier",
    "u_contact",
    "u_bind",
    "response_z",
    "premium",
)


def _lead(rng: random.Random, index: int, at: datetime) -> SimLead:
    line = _pick(rng, LINES)
    kinds = TYPES[line]
    itype = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
    return SimLead(
        index=index,
        arrival=at,
        line=line,
        insurance_type=itype,
        state=rng.choices(STATES, STATE_WEIGHTS)[0],
        source=_pick(rng, SOURCES),
        tier=_pick(rng, TIERS),
        u_contact=rng.random(),
        u_bind=rng.random(),
        response_z=rng.gauss(0.0, 1.0),
        premium=round(PREMIUM[line] * math.exp(rng.gauss(-0.08, 0.4)), 2),
    )


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; the rates here are small."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def make_scenario(
    *, seed: int = 1, days: int = 30, producers: int = 20, history_days: int = 120
) -> Scenario:
    """The default agency: about 3.2 leads per producer on a weekday, two months of history."""
    rng = random.Random(seed)
    people = make_producers(rng, producers)
    per_weekday = 3.2 * producers
    history = make_leads(
        random.Random(seed * 7919 + 1),
        start=START - timedelta(days=history_days),
        days=history_days,
        per_weekday=per_weekday,
        first_index=1_000_000,
    )
    leads = make_leads(rng, start=START, days=days, per_weekday=per_weekday)
    return Scenario(seed, START, days, people, leads, history, history_days)


def working_hours(p: TrueProducer) -> str:
    """The producer's hours as the roster CSV writes them."""
    a, b = p.shift
    text = f"Mon-Fri {a:02d}:00-{b:02d}:00"
    return text + ("; Sat 09:00-13:00" if p.saturday else "")


def _shift_on(p: TrueProducer, day: datetime) -> tuple[datetime, datetime] | None:
    return _shift(p.shift, p.saturday, day.date())


@functools.cache
def _shift(hours: tuple[int, int], saturday: bool, day: date) -> tuple[datetime, datetime] | None:
    wd = day.weekday()
    if wd < 5:
        a, b = hours
    elif wd == 5 and saturday:
        a, b = 9, 13
    else:
        return None
    return (
        datetime.combine(day, time(a), tzinfo=AGENCY_TZ),
        datetime.combine(day, time(b), tzinfo=AGENCY_TZ),
    )


def next_on_shift(p: TrueProducer, at: datetime) -> datetime:
    """``at`` itself when the producer is at work then, else the start of their next shift."""
    local = at.astimezone(AGENCY_TZ)
    for k in range(8):
        shift = _shift_on(p, local + timedelta(days=k))
        if shift is None:
            continue
        start, end = shift
        if k == 0 and start <= local < end:
            return at
        if start > local:
            return start
    raise ValueError("a producer with no shift in a week")


def shift_starts(producers: list[TrueProducer], start: datetime, days: int) -> list[datetime]:
    """Every instant some producer starts work, in order."""
    out = set()
    for p in producers:
        for k in range(days + 1):
            shift = _shift_on(p, start + timedelta(days=k))
            if shift is not None:
                out.add(shift[0])
    return sorted(out)


def response_minutes(p: TrueProducer, lead: SimLead) -> float:
    """How long this producer takes to call this lead once it is theirs and they are free."""
    return p.response_minutes * math.exp(0.6 * lead.response_z)


AUTHORITY = {
    "personal": {"personal_lines"},
    "commercial": {"property", "casualty"},
    "life": {"life"},
}


def authority(p: TrueProducer) -> frozenset[str]:
    """The lines of authority on every one of the producer's licenses."""
    return _authority(p.lines)


@functools.cache
def _authority(lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(AUTHORITY[line] for line in lines))


def licensed(p: TrueProducer, lead: SimLead) -> bool:
    """The statute, checked apart from the gate: a license in the lead's state holding
    one of the insurance type's required sets of lines of authority."""
    return _licensed(p.states, p.lines, lead.state, lead.insurance_type)


@functools.cache
def _licensed(states: tuple[str, ...], lines: tuple[str, ...], state: str, kind: str) -> bool:
    if state not in states:
        return False
    held = _authority(lines)
    return any(need <= held for need in DEFAULT_TYPES[kind].requires)
