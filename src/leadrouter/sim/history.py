"""The agency's past: closed leads from before the simulated month, as if routed at random.

Written straight into the leads table (they are history, not decisions to replay): every
strategy that learns from outcomes (the weighted score's close rates and response times,
the optimizer's estimates) starts from the same two months, as a real agency would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from leadrouter.bootstrap import Container
from leadrouter.learning.estimates import LIVE, Observation, segment_of
from leadrouter.sim.scenario import (
    ZIPS,
    Scenario,
    SimLead,
    licensed,
    next_on_shift,
    response_minutes,
)
from leadrouter.sim.truth import TrueProducer, bind_probability
from leadrouter.store.rollups import fold_log
from leadrouter.store.tables import leads

TYPES_LINE = {"personal": "personal", "commercial": "commercial", "life": "life"}


@dataclass(frozen=True)
class PastCall:
    lead: SimLead
    producer: TrueProducer
    assigned: datetime
    call: datetime
    reached: bool
    bound: bool


_PAST: dict[int, tuple[Scenario, list[PastCall]]] = {}


def past_calls(s: Scenario) -> list[PastCall]:
    """Each history lead given to a random licensed producer among the first at work."""
    cached = _PAST.get(id(s))
    if cached is not None and cached[0] is s:
        return cached[1]
    calls = _past_calls(s)
    _PAST.clear()  # one scenario at a time is all a run needs
    _PAST[id(s)] = (s, calls)
    return calls


def _past_calls(s: Scenario) -> list[PastCall]:
    rng = random.Random(s.seed * 31 + 5)
    out = []
    for lead in s.history:
        options = [p for p in s.producers if licensed(p, lead)]
        starts = {p.index: next_on_shift(p, lead.arrival) for p in options}
        soonest = min(starts.values())
        p = rng.choice([p for p in options if starts[p.index] == soonest])
        call = soonest + timedelta(minutes=response_minutes(p, lead))
        delay = (call - lead.arrival).total_seconds() / 60
        reach, close = bind_probability(p, lead, delay_minutes=delay)
        reached = lead.u_contact < reach
        out.append(PastCall(lead, p, soonest, call, reached, reached and lead.u_bind < close))
    return out


def history_rows(s: Scenario, ids: dict[int, int], agency_id: int) -> list[dict[str, Any]]:
    """One closed lead row per history lead."""
    return [
        _row(c.lead, agency_id, ids[c.producer.index], c.assigned, c.call, c.reached, c.bound)
        for c in past_calls(s)
    ]


def history_outcomes(s: Scenario) -> list[tuple[datetime, Observation, float | None]]:
    """The history as the estimates read it: (closed at, observation, response seconds)."""
    return [
        (
            c.call,
            Observation(
                c.producer.index,
                segment_of(c.lead.line, c.lead.tier, c.lead.source, c.lead.state),
                c.bound,
                c.lead.premium if c.bound else 0.0,
            ),
            (c.call - c.lead.arrival).total_seconds() if c.reached else None,
        )
        for c in past_calls(s)
        if c.assigned - c.lead.arrival <= LIVE
    ]


def _row(
    lead: SimLead,
    agency_id: int,
    owner: int,
    assigned: datetime,
    call: datetime,
    reached: bool,
    bound: bool,
) -> dict[str, Any]:
    arrival = lead.arrival.astimezone(UTC)
    return {
        "agency_id": agency_id,
        "status": "bound" if bound else "lost",
        "first_name": "Past",
        "last_name": f"Lead{lead.index}",
        "email": f"past{lead.index}@sim.example",
        "phone": None,
        "zip": ZIPS[lead.state],
        "state": lead.state,
        "county": None,
        "city": None,
        "timezone": "America/New_York",
        "insurance_type": lead.insurance_type,
        "business_line": TYPES_LINE[lead.line],
        "source_name": lead.source,
        "exclusive": False,
        "attributes": {},
        "flags": {},
        "owner_id": owner,
        "intent_tier": lead.tier,
        "do_not_contact": False,
        "touch_count": 1,
        "last_touch_at": arrival,
        "created_at": arrival,
        "status_changed_at": call.astimezone(UTC),
        "first_assigned_at": assigned.astimezone(UTC),
        "first_contact_at": call.astimezone(UTC) if reached else None,
        "response_seconds": int((call - lead.arrival).total_seconds()) if reached else None,
        "premium": Decimal(str(lead.premium)) if bound else None,
    }


def insert_history(c: Container, agency_id: int, s: Scenario, ids: dict[int, int]) -> int:
    """Insert the scenario's history; how many leads."""
    rows = history_rows(s, ids, agency_id)
    if rows:
        with c.engine.begin() as conn:
            conn.execute(leads.insert(), rows)
            fold_log(conn, limit=None)  # the daily rollups, in the same transaction
    return len(rows)
