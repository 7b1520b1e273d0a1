"""Properties over random rosters, licenses, policies, clocks and leads (hypothesis).

No assignment ever breaks the license gate (checked here from the raw licenses, not with
the engine's own gate), caps are never exceeded, every lead ends assigned, queued or in
nurture with a reason, and a decision depends on its input only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leadrouter.domain.expr import parse
from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import (
    Client,
    Lead,
    LeadStatus,
    License,
    LicenseStatus,
    Period,
    Producer,
    Shift,
    Territory,
)
from leadrouter.domain.routing import (
    AvailabilityStep,
    CapsStep,
    ExistingClientStep,
    FallbackSpec,
    LineStep,
    PoolSelector,
    ProducerLoad,
    RosterSnapshot,
    RoutingInput,
    RoutingPolicy,
    SegmentStep,
    StrategySpec,
    TerritoryStep,
    TierRule,
    eligible_producers,
    route,
)

pytestmark = pytest.mark.slow  # hypothesis properties over thousands of agencies and leads

STATES = ["CA", "TX", "NV", "ca", "XX", "NY"]
LINES = ["property", "casualty", "personal_lines", "life", "accident_health", "title", "bogus"]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "Nowhere/Zone",
]
TYPES = [*DEFAULT_TYPES, "space_travel"]
TEAMS = [None, "a", "b"]
DAY0 = datetime(2026, 1, 1, tzinfo=UTC)

instants = st.integers(0, 2 * 365 * 24 * 60).map(lambda m: DAY0 + timedelta(minutes=m))
dates = st.integers(0, 3 * 365).map(lambda d: date(2025, 6, 1) + timedelta(days=d))
small = st.one_of(st.none(), st.none(), st.integers(0, 3))
sometimes = st.sampled_from([True, True, True, False])
shifts = st.builds(
    Shift,
    st.integers(0, 6),
    st.times().map(lambda t: t.replace(microsecond=0)),
    st.sampled_from([time(17), time(23, 59), time(2)]),
)


def periods():
    return st.builds(
        lambda a, n: Period(a, a + timedelta(hours=n)), instants, st.integers(1, 24 * 30)
    )


@st.composite
def producers(draw):
    n = draw(st.integers(1, 10))
    return [
        Producer(
            id=i,
            agency_id=1,
            name=f"P{i}",
            email=f"p{i}@x",
            timezone=draw(st.sampled_from(ZONES)),
            working_hours=tuple(draw(st.lists(shifts, max_size=4)) if draw(st.booleans()) else ()),
            out_of_office=tuple(draw(st.lists(periods(), max_size=1)) if draw(sometimes) else ()),
            business_lines=frozenset(
                draw(
                    st.lists(
                        st.sampled_from(
                            ["personal", "commercial", "life", "health", "general_liability"]
                        ),
                        max_size=2,
                    )
                )
            ),
            max_open=draw(small),
            max_daily=draw(small),
            team=draw(st.sampled_from(TEAMS)),
            active=draw(sometimes),
            weight=draw(st.integers(0, 3)),
        )
        for i in range(1, n + 1)
    ]


GOOD_LINES = [{"life"}, {"personal_lines"}, {"casualty", "property"}, {"accident_health"}]


@st.composite
def licenses(draw, n_producers):
    """Mostly licenses that grant something, with every way of failing mixed in."""
    out = []
    for lid in range(1, draw(st.integers(0, 20)) + 1):
        if draw(sometimes):
            effective = (DAY0 - timedelta(days=draw(st.integers(0, 400)))).date()
        else:
            effective = draw(dates)
        expiration = draw(
            st.none() | st.integers(-30, 900).map(lambda n, e=effective: e + timedelta(days=n))
        )
        lines = draw(
            st.sampled_from(GOOD_LINES)
            if draw(sometimes)
            else st.lists(st.sampled_from(LINES), max_size=3)
        )
        out.append(
            License(
                id=lid,
                agency_id=1 if draw(sometimes) else draw(st.sampled_from([1, 2])),
                producer_id=draw(st.integers(1, n_producers + 1)),
                state=draw(
                    st.sampled_from(["CA", "CA", "TX"])
                    if draw(sometimes)
                    else st.sampled_from(STATES)
                ),
                number=f"N{lid}",
                lines=frozenset(lines),
                resident=True,
                effective_date=effective,
                expiration_date=expiration,
                status=LicenseStatus.ACTIVE
                if draw(sometimes)
                else draw(st.sampled_from(list(LicenseStatus))),
                verified_at=DAY0 if draw(sometimes) else None,
            )
        )
    return out


@st.composite
def territories(draw, n_producers):
    return [
        Territory(
            id=tid,
            agency_id=1,
            name=f"T{tid}",
            zip_prefixes=tuple(
                draw(st.lists(st.sampled_from(["9", "94", "941", "1"]), max_size=2))
            ),
            states=frozenset(draw(st.lists(st.sampled_from(STATES), max_size=2))),
            pod=draw(st.sampled_from(TEAMS)),
            producer_id=draw(st.none() | st.integers(1, n_producers)),
            business_lines=frozenset(
                draw(st.lists(st.sampled_from(["personal", "life"]), max_size=1))
            ),
        )
        for tid in range(1, draw(st.integers(0, 3)) + 1)
    ]


strategy_specs = st.builds(
    StrategySpec,
    st.sampled_from(["round_robin", "weighted_round_robin", "least_loaded", "weighted_score"]),
    producer_weights=st.dictionaries(st.integers(1, 10), st.integers(0, 3), max_size=3),
)
on_empty = st.sampled_from(["skip", "fallback", "queue"])
selectors = st.builds(
    PoolSelector,
    producers=st.frozensets(st.integers(1, 10), max_size=3),
    teams=st.frozensets(st.sampled_from(["a", "b"]), max_size=1),
    where=st.sampled_from([None, parse("producer.weight >= 1"), parse("team == 'a'")]),
)
conditions = st.sampled_from(
    [
        parse(s)
        for s in (
            "true",
            "false",
            "attributes.annual_revenue >= 2000000",
            "state in ['CA', 'NV']",
            "insurance_type == 'life' or business_line == 'commercial'",
            "missing > 1",
        )
    ]
)
steps = st.one_of(
    st.builds(ExistingClientStep, on_empty=on_empty, final=st.booleans()),
    st.builds(TerritoryStep, on_empty=on_empty, final=st.booleans()),
    st.builds(LineStep, include_generalists=st.booleans(), on_empty=on_empty, final=st.booleans()),
    st.builds(
        SegmentStep,
        conditions,
        selectors,
        strategy=st.none() | strategy_specs,
        on_empty=on_empty,
        final=st.booleans(),
    ),
)


@st.composite
def policies(draw):
    chosen = draw(st.lists(steps, max_size=4))
    names = [f"s{i}" for i in range(len(chosen))]
    listed = [type(s)(**{**vars(s), "name": n}) for s, n in zip(chosen, names, strict=True)]
    if draw(st.booleans()):
        listed.insert(
            draw(st.integers(0, len(listed))),
            AvailabilityStep(working_hours=draw(st.booleans()), out_of_office=draw(st.booleans())),
        )
    if draw(st.booleans()):
        listed.insert(
            draw(st.integers(0, len(listed))),
            CapsStep(default_max_open=draw(small), default_max_daily=draw(small)),
        )
    tiers = draw(
        st.dictionaries(
            st.sampled_from(["high", "medium", "low"]),
            st.builds(
                TierRule,
                st.sampled_from(["route", "route", "nurture"]),
                st.none() | selectors,
                st.none() | strategy_specs,
                on_empty,
            ),
            max_size=2,
        )
    )
    return RoutingPolicy(
        version=draw(st.integers(0, 5)),
        steps=tuple(listed),
        strategy=draw(strategy_specs),
        tiers=tiers,
        fallback=FallbackSpec(draw(st.booleans()), draw(st.none() | strategy_specs)),
    )


@st.composite
def scenarios(draw):
    ps = draw(producers())
    itype = draw(
        st.sampled_from(["life", "personal_auto", "health", "bop"])
        if draw(sometimes)
        else st.sampled_from(TYPES)
    )
    lics = draw(licenses(len(ps)))
    for pid in draw(st.lists(st.integers(1, len(ps)), min_size=1, max_size=3)):  # that fit
        needs = DEFAULT_TYPES[itype].requires[0] if itype in DEFAULT_TYPES else frozenset()
        lics.append(
            License(
                id=100 + len(lics),
                agency_id=1,
                producer_id=pid,
                state="CA",
                number="fit",
                lines=needs,
                resident=False,
                effective_date=date(2025, 1, 1),
                expiration_date=None,
                verified_at=DAY0,
            )
        )
    roster = RosterSnapshot.build(ps, lics, draw(territories(len(ps))))
    lead = Lead(
        id=1,
        agency_id=1,
        status=LeadStatus.NEW,
        created_at=DAY0,
        insurance_type=itype,
        state=draw(st.sampled_from(["CA"] * 12 + [*STATES, None])),
        zip=draw(st.none() | st.sampled_from(["94105", "10001", "73301"])),
        intent_tier=draw(st.sampled_from([None, "high", "medium", "low"])),
        attributes={"annual_revenue": draw(st.integers(0, 5_000_000))},
    )
    ids = st.integers(1, len(ps) + 1)
    client = draw(
        st.none()
        | st.builds(
            Client,
            st.just(1),
            st.just(1),
            st.just("C"),
            st.none(),
            st.none(),
            st.none() | ids,
            st.none() | ids,
        )
    )
    loads = draw(
        st.dictionaries(
            ids,
            st.builds(
                ProducerLoad,
                st.integers(0, 4),
                st.integers(0, 4),
                st.none() | st.floats(0, 1),
                st.none() | st.floats(0, 10_000),
            ),
            max_size=len(ps),
        )
    )
    rotation = draw(
        st.dictionaries(
            st.sampled_from(["all:round_robin", "all:weighted_score", "fallback:round_robin"]),
            st.dictionaries(ids, st.integers(0, 9)),
            max_size=2,
        )
    )
    inp = RoutingInput(
        lead,
        DEFAULT_TYPES.get(itype),
        client,
        loads,
        rotation,
        draw(instants),
        draw(st.sampled_from(ZONES[:3] * 6 + ZONES)),
    )
    exclude = frozenset(draw(st.lists(ids, max_size=2)))
    return roster, inp, draw(policies()), exclude


def independently_licensed(roster, inp, producer_id, license_id) -> bool:
    """The gate, written again from the rules, without the engine's code."""
    p = next(p for p in roster.producers if p.id == producer_id)
    itype = DEFAULT_TYPES.get(inp.lead.insurance_type)
    state = (inp.lead.state or "").strip().upper()
    if not p.active or itype is None or state not in {"CA", "TX", "NV", "NY"}:
        return False
    today = inp.now.astimezone(ZoneInfo(inp.agency_tz)).date()
    for lic in roster.licenses:
        if (
            lic.id == license_id
            and lic.producer_id == p.id
            and lic.agency_id == p.agency_id
            and lic.state.upper() == state
            and lic.status == "active"
            and lic.verified_at is not None
            and lic.effective_date <= today
            and (lic.expiration_date is None or today < lic.expiration_date)
            and any(alt and alt <= lic.lines for alt in itype.requires)
        ):
            return True
    return False


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_assignment_ever_breaks_the_gate_and_every_lead_ends_somewhere(scenario):
    roster, inp, policy, exclude = scenario
    d = route(roster, inp, policy, exclude=exclude)
    event(f"{d.outcome}{' by fallback' if d.fallback else ''}")
    assert d.outcome in ("assigned", "queued", "nurture")
    assert d.policy_version == policy.version
    if d.outcome != "assigned":
        assert d.reason and d.producer_id is None and d.license_id is None
        return
    assert d.producer_id not in exclude
    assert independently_licensed(roster, inp, d.producer_id, d.license_id)
    winner = next(p for p in roster.producers if p.id == d.producer_id)
    load = inp.loads.get(winner.id, ProducerLoad())
    caps = policy.caps
    max_open = winner.max_open if winner.max_open is not None else caps.default_max_open
    max_daily = winner.max_daily if winner.max_daily is not None else caps.default_max_daily
    assert max_open is None or load.open_count < max_open
    assert max_daily is None or load.new_today < max_daily
    if policy.availability.out_of_office:
        assert not any(period.contains(inp.now) for period in winner.out_of_office)
    assert d.producer_id in eligible_producers(roster, inp, policy, exclude=exclude)
    assert d.pool and d.strategy


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_decision_depends_on_its_input_only(scenario):
    roster, inp, policy, exclude = scenario
    first = route(roster, inp, policy, exclude=exclude)
    again = route(roster, inp, policy, exclude=exclude)
    fresh = RosterSnapshot.build(roster.producers, roster.licenses, roster.territories)
    assert first == again == route(fresh, inp, policy, exclude=exclude)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_eligible_producers_all_pass_the_gate(scenario):
    roster, inp, policy, exclude = scenario
    eligible = eligible_producers(roster, inp, policy, exclude=exclude)
    event(f"{len(eligible)} eligible")
    if not eligible:
        return
    today = inp.now.astimezone(ZoneInfo(inp.agency_tz)).date()
    granted = {
        p.id: lid for p, lid in roster.gate(inp.lead.state, inp.insurance_type, today).passed
    }
    for pid in eligible:
        assert pid not in exclude
        assert independently_licensed(roster, inp, pid, granted[pid])
