"""Policy steps, tiers, fallback and the queue: what a decision does and how it explains itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from leadrouter.domain.expr import parse
from leadrouter.domain.model import Period, Shift
from leadrouter.domain.routing import (
    AvailabilityStep,
    CapsStep,
    ExistingClientStep,
    FallbackSpec,
    LineStep,
    PoolSelector,
    ProducerLoad,
    RoutingPolicy,
    SegmentStep,
    StrategySpec,
    TerritoryStep,
    TierRule,
    eligible_producers,
    render,
    route,
)
from leadrouter.domain.routing.availability import LocalClock
from leadrouter.domain.routing.steps import StepContext
from tests.support.routing_core import (
    NOW,
    client,
    inputs,
    lead,
    license_,
    producer,
    roster,
    territory,
)

RR = StrategySpec("round_robin")


def policy(*steps, **kw):
    kw.setdefault("strategy", RR)
    return RoutingPolicy(version=kw.pop("version", 3), steps=tuple(steps), **kw)


def three_licensed(**kw):
    ps = [producer(1, **kw), producer(2, **kw), producer(3, **kw)]
    return roster(ps, [license_(10 + p.id, p.id) for p in ps])


def note(decision, pid):
    return next(n for n in decision.candidates if n.producer_id == pid)


def test_nobody_licensed_in_the_state_queues_the_lead_with_the_reason():
    r = roster([producer(1)], [license_(1, 1, state="NV")])
    d = route(r, inputs(lead(state="TX", insurance_type="commercial_auto")), policy())
    assert d.outcome == "queued" and d.producer_id is None
    assert d.reason == "no producer holds an active TX license for Commercial auto"
    assert d.policy_version == 3


def test_pending_licenses_are_counted_in_the_queue_reason():
    r = roster(
        [producer(1), producer(2)],
        [license_(1, 1, verified_at=None), license_(2, 2, expiration_date=date(2026, 1, 1))],
    )
    d = route(r, inputs(), policy())
    assert d.reason == (
        "no producer holds an active CA license for Life "
        "(licenses on file: 1 expired, 1 pending verification)"
    )
    assert note(d, 1).excluded_by == "gate"
    assert note(d, 1).reason == "CA license L1 is pending verification"


def test_producers_without_a_license_in_the_state_are_one_summary_line_not_notes():
    ps = [producer(i) for i in range(1, 101)]
    r = roster(ps, [license_(1, 1)] + [license_(i, i, state="NV") for i in range(2, 101)])
    d = route(r, inputs(), policy())
    assert d.outcome == "assigned" and d.producer_id == 1 and d.license_id == 1
    assert [n.producer_id for n in d.candidates] == [1]
    assert "99 hold no license in CA" in d.steps[0]


def test_an_unknown_insurance_type_waits_with_a_reason():
    d = route(three_licensed(), inputs(lead(insurance_type="space_travel")), policy())
    assert d.outcome == "queued" and "unknown insurance type" in d.reason


def test_a_lead_without_a_state_waits_with_a_reason():
    d = route(three_licensed(), inputs(lead(state=None)), policy())
    assert d.outcome == "queued" and "no state" in d.reason


def test_existing_client_goes_to_its_owner_when_eligible():
    d = route(three_licensed(), inputs(the_client=client(owner=2)), policy(ExistingClientStep()))
    assert d.producer_id == 2 and d.pool == "client:round_robin"
    assert note(d, 1).reason == "the client belongs to Producer 2"


def test_existing_client_goes_to_the_csr_when_the_owner_is_at_cap():
    d = route(
        three_licensed(max_open=5),
        inputs(the_client=client(owner=2, csr=3), loads={2: ProducerLoad(open_count=5)}),
        policy(ExistingClientStep()),
    )
    assert d.producer_id == 3
    assert "owner Producer 2: at cap 5/5 open leads" in d.steps[1]


def test_an_unlicensed_owner_is_passed_over_with_the_gate_reason():
    r = roster([producer(1), producer(2)], [license_(1, 1), license_(2, 2, state="NV")])
    d = route(r, inputs(the_client=client(owner=2)), policy(ExistingClientStep()))
    assert d.producer_id == 1
    assert "owner Producer 2: no active CA license for Life" in " ".join(d.steps)


def test_existing_client_with_on_empty_queue_waits_for_the_owner():
    p = policy(ExistingClientStep(on_empty="queue"))
    d = route(three_licensed(), inputs(the_client=client(owner=9)), p)
    assert d.outcome == "queued" and d.reason.startswith("the policy says wait")


def test_a_final_step_stops_the_narrowing_steps_after_it():
    p = policy(ExistingClientStep(), LineStep(), AvailabilityStep())
    d = route(three_licensed(), inputs(the_client=client(owner=2)), p)
    assert d.producer_id == 2
    assert any("line: not applied (after final step existing_client)" in s for s in d.steps)
    assert any(s.startswith("availability: 1 of 1") for s in d.steps)


def test_the_most_specific_territory_wins_zip_over_county_over_state():
    ps = [producer(1, team="north"), producer(2, team="west"), producer(3)]
    ts = [
        territory(1, "North", zip_prefixes=["921"], pod="north"),
        territory(2, "West", states=["CA"], pod="west"),
        territory(3, "Three", counties=["CA:San Diego County"], producer_id=3),
    ]
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps], ts)
    by_zip = route(r, inputs(lead(zip="92101", county="San Diego County")), policy(TerritoryStep()))
    assert by_zip.producer_id == 1 and by_zip.pool == "territory North:round_robin"
    assert note(by_zip, 2).reason == "not in territory North"
    by_county = route(
        r, inputs(lead(zip="90001", county="San Diego County")), policy(TerritoryStep())
    )
    assert by_county.producer_id == 3
    by_state = route(r, inputs(lead(zip="90001")), policy(TerritoryStep()))
    assert by_state.producer_id == 2


def test_a_territory_for_other_business_lines_does_not_claim_the_lead():
    ps = [producer(1, team="commercial"), producer(2)]
    ts = [territory(1, "Biz", states=["CA"], pod="commercial", business_lines=["commercial"])]
    r = roster(ps, [license_(11, 1), license_(12, 2)], ts)
    d = route(r, inputs(), policy(TerritoryStep(on_empty="skip")))
    assert "no territory covers CA" in " ".join(d.steps)
    assert d.producer_id == 1  # step skipped: both remain, round robin picks lowest id


def test_a_step_that_leaves_nobody_is_skipped_and_says_so():
    d = route(three_licensed(), inputs(), policy(LineStep()))
    assert d.outcome == "assigned"
    assert "nobody left, step skipped (on_empty: skip)" in d.steps[1]


def test_line_specialization_keeps_the_specialists():
    ps = [
        producer(1, business_lines=frozenset({"personal"})),
        producer(2, business_lines=frozenset({"life"})),
        producer(3),
    ]
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    d = route(r, inputs(), policy(LineStep()))
    assert d.producer_id == 2
    assert note(d, 1).reason == "does not specialize in life lines"
    with_generalists = route(r, inputs(), policy(LineStep(include_generalists=True)))
    assert {n.producer_id for n in with_generalists.candidates if n.excluded_by is None} == {2, 3}


def test_segment_rule_sends_big_general_liability_leads_to_the_commercial_specialists():
    ps = [producer(1), producer(2, team="commercial"), producer(3, team="commercial")]
    r = roster(ps, [license_(10 + p.id, p.id, lines=["casualty"]) for p in ps])
    rule = SegmentStep(
        when=parse(
            "insurance_type == 'general_liability' and attributes.annual_revenue >= 2000000"
        ),
        to=PoolSelector(teams=frozenset({"commercial"})),
        name="big_gl",
    )
    big = lead(insurance_type="general_liability", attributes={"annual_revenue": 3_000_000})
    small = lead(insurance_type="general_liability", attributes={"annual_revenue": 10})
    assert route(r, inputs(big), policy(rule)).producer_id == 2
    d = route(r, inputs(small), policy(rule))
    assert d.producer_id == 1 and "condition not met" in d.steps[1]


def test_segment_pool_can_be_an_expression_over_producer_fields():
    ps = [producer(1, team="a"), producer(2, team="elite")]
    r = roster(ps, [license_(11, 1), license_(12, 2)])
    rule = SegmentStep(when=parse("true"), to=PoolSelector(where=parse("producer.team == 'elite'")))
    assert route(r, inputs(), policy(rule)).producer_id == 2


def test_a_low_intent_lead_can_go_to_nurture_instead_of_a_producer():
    p = policy(tiers={"low": TierRule(action="nurture")})
    d = route(three_licensed(), inputs(lead(intent_tier="low")), p)
    assert d.outcome == "nurture" and d.producer_id is None and d.reason


def test_a_high_intent_tier_routes_to_its_pool_with_its_strategy():
    ps = [producer(1), producer(2, team="elite"), producer(3, team="elite")]
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    tier = TierRule(
        pool=PoolSelector(teams=frozenset({"elite"})), strategy=StrategySpec("least_loaded")
    )
    d = route(
        r,
        inputs(lead(intent_tier="high"), loads={2: ProducerLoad(open_count=4)}),
        policy(tiers={"high": tier}),
    )
    assert d.producer_id == 3 and d.strategy == "least_loaded"
    assert d.pool == "tier high:least_loaded"
    assert note(d, 1).reason == "not in the high-intent pool"


def test_outside_working_hours_is_explained_with_the_hours_and_zone():
    ps = [producer(1), producer(2, working_hours=(Shift(1, time(13), time(17)),))]
    r = roster(ps, [license_(11, 1), license_(12, 2)])
    d = route(r, inputs(), policy(AvailabilityStep()))
    assert d.producer_id == 1
    assert note(d, 2).reason == "outside working hours 13:00-17:00 America/Chicago"


def test_a_day_without_shifts_is_explained():
    saturday = datetime(2026, 3, 7, 16, 0, tzinfo=UTC)
    d = route(three_licensed(), inputs(now=saturday), policy(AvailabilityStep()))
    assert d.outcome == "queued"
    assert note(d, 1).reason == "outside working hours: no shift on Saturday (America/Chicago)"
    assert d.reason == "all 3 licensed producers are outside working hours"


def test_out_of_office_is_explained_with_the_return_date():
    away = Period(datetime(2026, 3, 1, 6, tzinfo=UTC), datetime(2026, 3, 10, 5, tzinfo=UTC))
    ps = [producer(1, out_of_office=(away,)), producer(2)]
    r = roster(ps, [license_(11, 1), license_(12, 2)])
    d = route(r, inputs(), policy(AvailabilityStep()))
    assert d.producer_id == 2
    assert note(d, 1).reason == "out of office until 2026-03-10"


def test_caps_on_open_and_daily_leads_are_explained():
    ps = [producer(1, max_open=20), producer(2, max_daily=5), producer(3)]
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    loads = {1: ProducerLoad(open_count=20), 2: ProducerLoad(new_today=5)}
    d = route(r, inputs(loads=loads), policy(CapsStep()))
    assert d.producer_id == 3
    assert note(d, 1).reason == "at cap 20/20 open leads"
    assert note(d, 2).reason == "at cap 5/5 new leads today"


def test_caps_apply_even_when_the_policy_does_not_list_them():
    r = three_licensed(max_open=1)
    loads = {1: ProducerLoad(open_count=1), 2: ProducerLoad(open_count=1)}
    d = route(r, inputs(loads=loads), policy())
    assert d.producer_id == 3 and "caps (implicit): 1 of 3 remain" in d.steps


def test_all_at_capacity_queues_with_a_reason_a_manager_understands():
    d = route(
        three_licensed(max_open=1),
        inputs(loads={i: ProducerLoad(open_count=1) for i in (1, 2, 3)}),
        policy(CapsStep()),
    )
    assert d.outcome == "queued" and d.reason == "all 3 licensed producers are at capacity"


def test_mixed_unavailability_is_counted_in_the_reason():
    away = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    ps = [producer(1, max_open=0), producer(2, max_open=0), producer(3, out_of_office=(away,))]
    r = roster(ps, [license_(10 + p.id, p.id) for p in ps])
    d = route(r, inputs(), policy())
    assert d.reason == (
        "none of the 3 licensed producers is available: 2 at capacity, 1 out of office"
    )


def test_fallback_gives_the_lead_to_any_eligible_producer_when_the_policy_finds_nobody():
    ps = [producer(1, team="north"), producer(2)]
    ts = [territory(1, "North", states=["CA"], pod="north")]
    r = roster(ps, [license_(11, 1), license_(12, 2)], ts)
    loads = {1: ProducerLoad(open_count=3)}
    p = policy(TerritoryStep(), CapsStep(default_max_open=3))
    d = route(r, inputs(loads=loads), p)
    assert d.outcome == "assigned" and d.producer_id == 2 and d.fallback
    assert d.pool == "fallback:round_robin"
    assert "policy: territory: not in territory North" in note(d, 2).reason
    off = route(
        r,
        inputs(loads=loads),
        policy(
            TerritoryStep(), CapsStep(default_max_open=3), fallback=FallbackSpec(any_eligible=False)
        ),
    )
    assert off.outcome == "queued" and "fallback is off" in off.reason


def test_on_empty_fallback_ends_the_policy_and_tries_anyone_eligible():
    ps = [producer(1, team="north"), producer(2)]
    ts = [territory(1, "North", states=["NV"], pod="north")]
    r = roster(ps, [license_(11, 1), license_(12, 2)], ts)
    d = route(r, inputs(), policy(TerritoryStep(on_empty="fallback")))
    assert d.fallback and d.producer_id == 1


def test_excluded_producers_are_never_chosen_and_say_why():
    d = route(three_licensed(), inputs(), policy(), exclude=frozenset({1}))
    assert d.producer_id == 2 and note(d, 1).excluded_by == "exclude"
    everyone_out = route(three_licensed(), inputs(), policy(), exclude=frozenset({1, 2, 3}))
    assert everyone_out.reason == (
        "all 3 producers holding an active CA license for Life already had this lead"
        " (declined, let the offer lapse or were reassigned from it)"
    )
    only_one = route(
        roster([producer(1)], [license_(11, 1)]), inputs(), policy(), exclude=frozenset({1})
    )
    assert only_one.reason == "no other producer holds an active CA license for Life"


def test_eligible_producers_are_gate_availability_and_caps_only():
    away = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    ps = [
        producer(1),
        producer(2, out_of_office=(away,)),
        producer(3, max_open=0),
        producer(4),
        producer(5, team="x"),
    ]
    lics = [license_(10 + p.id, p.id) for p in ps if p.id != 4]
    r = roster(ps, lics)
    assert eligible_producers(r, inputs(), policy(LineStep(on_empty="queue"))) == [1, 5]
    assert eligible_producers(r, inputs(), policy(), exclude=frozenset({1})) == [5]


def test_a_license_that_lapses_at_midnight_stops_counting_with_the_same_snapshot():
    r = roster([producer(1)], [license_(1, 1, expiration_date=date(2026, 3, 4))])
    before = datetime(2026, 3, 4, 4, 59, tzinfo=UTC)
    after = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)
    assert (
        route(r, inputs(now=before), policy(AvailabilityStep(working_hours=False))).outcome
        == "assigned"
    )
    d = route(r, inputs(now=after), policy(AvailabilityStep(working_hours=False)))
    assert d.outcome == "queued" and "expired" in d.reason


def test_the_explanation_renders_as_text():
    d = route(three_licensed(), inputs(), policy(LineStep()))
    text = render(d)
    assert text.startswith("policy version 3: assigned to #1 (license #11)")
    assert "* #1 Producer 1" in text


def test_a_decision_is_the_same_for_the_same_input():
    r = three_licensed()
    assert route(r, inputs(), policy(LineStep())) == route(r, inputs(), policy(LineStep()))


def test_time_of_the_decision_is_the_one_passed_in():
    late = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)  # 17:30 in Chicago
    assert route(three_licensed(), inputs(now=NOW), policy()).outcome == "assigned"
    assert route(three_licensed(), inputs(now=late), policy()).outcome == "queued"


def test_an_overnight_shift_covers_the_small_hours_of_the_next_day():
    night = (Shift(1, time(22), time(6)),)  # Tuesday 22:00 to Wednesday 06:00, Chicago
    r = roster([producer(1, working_hours=night)], [license_(11, 1)])
    p = policy(AvailabilityStep())
    tuesday_late = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)  # Tuesday 23:00 in Chicago
    wednesday_early = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 04:00
    wednesday_noon = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    assert route(r, inputs(now=tuesday_late), p).outcome == "assigned"
    assert route(r, inputs(now=wednesday_early), p).outcome == "assigned"
    d = route(r, inputs(now=wednesday_noon), p)
    assert note(d, 1).reason == "outside working hours 00:00-06:00 America/Chicago"
    monday_early = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 04:00: no Sunday shift
    assert route(r, inputs(now=monday_early), p).outcome == "queued"


def test_an_unknown_producer_time_zone_makes_the_producer_unavailable():
    r = roster([producer(1, timezone="Mars/Base"), producer(2)], [license_(11, 1), license_(12, 2)])
    d = route(r, inputs(), policy(AvailabilityStep()))
    assert d.producer_id == 2 and note(d, 1).reason == "unknown time zone 'Mars/Base'"


def test_the_fallbacks_quick_availability_test_agrees_with_each_refusal_in_words():
    away = (Period(NOW.replace(hour=0), NOW.replace(hour=23)),)
    night = (Shift(NOW.weekday(), time(1), time(2)),)
    people = [
        producer(1),
        producer(2, out_of_office=away),
        producer(3, working_hours=night, timezone="America/New_York"),
        producer(4, max_open=2),
        producer(5, max_daily=1),
        producer(6, max_open=9, max_daily=9),
    ]
    loads = {4: ProducerLoad(open_count=2), 5: ProducerLoad(new_today=1), 6: ProducerLoad(3, 3)}
    snap = roster(people, [license_(p.id, p.id) for p in people])
    ctx = StepContext(snap, inputs(loads=loads), policy(), LocalClock(NOW))
    refused = {p.id: ctx.hard_refusal(p) for p in people}
    assert {pid for pid, why in refused.items() if why is None} == {1, 6}
    fresh = StepContext(snap, inputs(loads=loads), policy(), LocalClock(NOW))
    assert [p.id for p in fresh.available(people)] == [1, 6]
    assert [p.id for p in ctx.available(people)] == [1, 6]  # from the memo of refusals


def test_the_fallbacks_availability_over_the_whole_gated_pool_agrees_with_each_refusal():
    away = (Period(NOW.replace(hour=0), NOW.replace(hour=23)),)
    shifts = (Shift(NOW.weekday(), time(1), time(2)),)
    night = {"working_hours": shifts, "timezone": "America/Denver"}
    kinds: dict[int, dict[str, object]] = {
        1: {},
        2: {"out_of_office": away},
        3: night,
        4: {"max_open": 2},
        5: {"max_daily": 1},
        6: {"working_hours": ()},  # no hours on file: always at work
        7: night,  # the same hours as #3: looked at once
        8: {},  # at the policy's default cap
    }
    people = [producer(pid, **kw) for pid, kw in kinds.items()]
    loads = {4: ProducerLoad(open_count=2), 5: ProducerLoad(new_today=1), 8: ProducerLoad(5, 0)}
    snap = roster(people, [license_(p.id, p.id) for p in people])
    pol = policy(CapsStep(default_max_open=5))
    ctx = StepContext(snap, inputs(loads=loads), pol, LocalClock(NOW))
    refused = {p.id: ctx.hard_refusal(p) for p in people}
    assert refused[7] == refused[3] and refused[7] is not None
    expected = [pid for pid, why in refused.items() if why is None]
    assert expected == [1, 6]
    assert eligible_producers(snap, inputs(loads=loads), pol) == expected  # the whole pool


def test_a_line_step_after_a_territory_step_splits_the_territorys_own_pool():
    ps = [
        producer(1, team="north", business_lines=frozenset({"life"})),
        producer(2, team="north", business_lines=frozenset({"personal"})),
        producer(3, team="south", business_lines=frozenset({"personal"})),
        producer(4, team="south", business_lines=frozenset({"life"})),
    ]
    ts = [
        territory(1, "North", zip_prefixes=["900"], pod="north"),
        territory(2, "South", states=["CA"], pod="south"),
    ]
    licenses = [license_(10 + p.id, p.id) for p in ps]
    p = policy(TerritoryStep(), LineStep())
    north, south = lead(1, zip="90001"), lead(2, zip="95001")
    shared = roster(ps, licenses, ts)  # one snapshot: the second decision meets the memo
    first, second = route(shared, inputs(north), p), route(shared, inputs(south), p)
    assert (first.producer_id, second.producer_id) == (1, 4)
    assert second == route(roster(ps, licenses, ts), inputs(south), p)
    assert route(shared, inputs(north), p) == route(roster(ps, licenses, ts), inputs(north), p)
