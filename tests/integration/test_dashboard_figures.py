"""The figures of the dashboard and the portal, from the real services on a virtual clock."""

from __future__ import annotations

from datetime import date, timedelta

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.roster.specs import LicenseSpec
from leadrouter.services.dashboard import alerts, charts, numbers
from leadrouter.services.dashboard.changes import fingerprint
from leadrouter.services.dashboard.portal import my_leads
from leadrouter.services.leads.activities import log_activity
from leadrouter.services.leads.outcomes import OutcomeData, record_outcome
from leadrouter.services.roster.licenses import create_license
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import ACCEPT_IN_TWO_MINUTES, rows_of, step, timing_policy


def _contact(c: Container, agency_id: int, lead_id: int, producer_id: int) -> None:
    log_activity(
        uow=c.uow(),
        routing_deps=c.routing,
        agency_id=agency_id,
        lead_id=lead_id,
        producer_id=producer_id,
        kind="contact_made",
        at=None,
        note=None,
        now=c.clock.now(),
    )


def _outcome(c: Container, agency_id: int, lead_id: int, status: str, **data: object) -> None:
    record_outcome(
        uow=c.uow(),
        routing_deps=c.routing,
        agency_id=agency_id,
        lead_id=lead_id,
        status=status,
        reason=None,
        now=c.clock.now(),
        data=OutcomeData(**data),  # type: ignore[arg-type]
    )


def test_today_counts_leads_since_local_midnight_with_contacts_and_average_response(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    make_producer(c, agency.id, 2, licensed_in=("NJ",))
    make_lead(c, agency.id, 1)  # 09:00 in New York, March 3
    clock.advance(timedelta(hours=16))  # 01:00 in New York, March 4: a new day
    first, second = make_lead(c, agency.id, 2), make_lead(c, agency.id, 3)
    clock.advance(timedelta(minutes=2))
    _contact(c, agency.id, first, alice)
    clock.advance(timedelta(minutes=4))
    _contact(c, agency.id, second, alice)
    make_lead(c, agency.id, 4)
    clock.advance(timedelta(seconds=1))  # the reports' window ends just before now

    today = numbers.today(uow=c.uow(readonly=True), agency_id=agency.id, now=clock.now())
    assert (today.leads, today.contacted, today.avg_response_seconds) == (3, 2, 240.0)
    assert today.contacted_rate == 2 / 3 and not today.above_target

    table = numbers.producer_rows(uow=c.uow(readonly=True), agency_id=agency.id, now=clock.now())
    by_name = {row.name: row for row in table}
    assert (by_name["Producer 1"].today.leads, by_name["Producer 1"].today.contacted) == (3, 2)
    assert by_name["Producer 1"].open_leads == 4
    assert by_name["Producer 1"].trailing.leads == 4
    assert (by_name["Producer 2"].today.leads, by_name["Producer 2"].trailing.leads) == (0, 0)


def test_the_pipeline_counts_quotes_pending_follow_ups_due_today_and_this_weeks_binds(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    quoted, bound, waiting = (make_lead(c, agency.id, n) for n in (1, 2, 3))
    for lead in (quoted, bound):
        _contact(c, agency.id, lead, alice)
        _outcome(c, agency.id, lead, "quoted", premium=900)
    _outcome(c, agency.id, bound, "bound", premium=1200, policy_number="P-1")
    step(c)

    pipe = numbers.pipeline(uow=c.uow(readonly=True), agency_id=agency.id, now=clock.now())
    assert (pipe.new_today, pipe.quoted_pending, pipe.binds_this_week) == (3, 1, 1)
    assert pipe.premium_this_week == 1200
    assert pipe.follow_ups_today == 1  # the uncontacted lead, whose ladder runs today
    assert rows_of(c, waiting)[0].next_due_at is not None


def test_alerts_name_untouched_leads_escalations_about_to_fire_and_expiring_licenses(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    create_license(
        uow=c.uow(),
        agency_id=agency.id,
        now=clock.now(),
        verifier="test registry",
        spec=LicenseSpec(
            producer_id=alice,
            state="CT",
            number="CT-9",
            lines=frozenset({"personal_lines"}),
            resident=False,
            effective_date=date(2020, 1, 1),
            expiration_date=date(2026, 3, 23),
        ),
    )
    lead = make_lead(c, agency.id, 1)

    def kinds() -> list[tuple[str, str]]:
        table = numbers.producer_rows(
            uow=c.uow(readonly=True), agency_id=agency.id, now=clock.now()
        )
        found = alerts.alerts(
            uow=c.uow(readonly=True),
            deps=c.routing,
            agency_id=agency.id,
            now=clock.now(),
            table=table,
        )
        return [(a.kind, a.message) for a in found]

    assert kinds() == [("license", "Producer 1's CT license CT-9 expires 2026-03-23 (in 20 days)")]
    clock.advance(timedelta(minutes=16))
    step(c)
    assert kinds()[0] == ("untouched", "Casey Lead1 untouched for 16 min (Producer 1)")
    assert [k for k, _ in kinds()] == ["untouched", "license"]  # reassignment is 14 min away
    clock.advance(timedelta(minutes=10))
    step(c)
    assert ("breach", "Casey Lead1 (Producer 1): the lead is reassigned in 4 min") in kinds()
    _contact(c, agency.id, lead, alice)  # reached after 26 minutes: too slow
    assert [m for k, m in kinds() if k != "license"] == [
        "Producer 1: response time 26 min today, above target"
    ]


def test_each_bar_of_each_chart_lists_exactly_the_leads_it_counts(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    leads = [make_lead(c, agency.id, n, source="Google Ads" if n % 2 else None) for n in range(6)]
    for n, lead in enumerate(leads[:4]):
        clock.advance(timedelta(minutes=4 * n + 1))
        _contact(c, agency.id, lead, alice)
    _outcome(c, agency.id, leads[0], "quoted", premium=500)
    _outcome(c, agency.id, leads[1], "bound", premium=800)
    _outcome(c, agency.id, leads[2], "lost", lost_reason="price")
    now, read = clock.now(), lambda: c.uow(readonly=True)

    response = charts.response_chart(uow=read(), agency_id=agency.id, now=now)
    funnel = charts.funnel(uow=read(), agency_id=agency.id, now=now)
    sources = charts.by_source(uow=read(), agency_id=agency.id, now=now)
    assert [b.value for b in funnel] == [6, 4, 2, 1]
    assert sum(b.value for b in response) == 6 and response[-1].value == 2  # never contacted
    assert {(leads.label, leads.value, bound.value) for leads, bound in sources} == {
        ("Google Ads", 3, 1),
        (charts.NO_SOURCE, 3, 0),
    }
    bars = response + funnel + [b for pair in sources for b in pair]
    for bar in bars:
        _, behind = charts.leads_behind(uow=read(), agency_id=agency.id, now=now, key=bar.key)
        assert len(behind) == bar.value, bar


def test_my_leads_put_offers_first_with_the_time_left_before_the_next_escalation(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    working = make_lead(c, agency.id, 1)
    timing_policy(c, agency.id, ACCEPT_IN_TWO_MINUTES)
    clock.advance(timedelta(minutes=1))
    offered = make_lead(c, agency.id, 2)
    clock.advance(timedelta(seconds=30))

    mine = my_leads(
        uow=c.uow(readonly=True),
        deps=c.routing,
        agency_id=agency.id,
        producer_id=alice,
        now=clock.now(),
    )
    assert [m.lead_id for m in mine] == [offered, working]
    first, second = mine
    assert (first.offered, first.seconds_left, first.next_step) == (
        True,
        90,
        "the offer goes to someone else",
    )
    assert first.urgency == "urgent"
    assert (second.offered, second.seconds_left, second.next_step) == (
        False,
        210,
        "you get a reminder",
    )
    assert second.urgency == "soon" and second.phone == "+16465550001"


def test_the_fingerprint_changes_when_a_lead_arrives_or_is_worked(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))

    def seen() -> str:
        return fingerprint(uow=c.uow(readonly=True), agency_id=agency.id)

    empty = seen()
    lead = make_lead(c, agency.id, 1)
    arrived = seen()
    clock.advance(timedelta(minutes=1))
    _contact(c, agency.id, lead, alice)
    worked = seen()
    assert len({empty, arrived, worked}) == 3
    assert seen() == worked
