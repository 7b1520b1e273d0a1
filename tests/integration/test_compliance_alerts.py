"""License expirations: 90/60/30-day alerts exactly once, lapses flag leads, midnight cut-off."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.compliance.expirations import SweepResult, sweep
from leadrouter.store.tables import license_alerts
from tests.conftest import T0
from tests.support.compliance import (
    ZIPS,
    lead_row,
    outbox_rows,
    payload_of,
)
from tests.support.factories import make_agency, make_lead, make_license, make_producer

NEW_YORK = ZoneInfo("America/New_York")
TODAY = T0.astimezone(NEW_YORK).date()  # 2026-03-03


def alert_rows(c: Container) -> list[tuple[int, date]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            sa.select(license_alerts.c.days_before, license_alerts.c.created_at).order_by(
                license_alerts.c.id
            )
        ).all()
    return [(r.days_before, r.created_at.astimezone(NEW_YORK).date()) for r in rows]


@pytest.mark.slow  # sweeps day by day; make test-fast skips it
def test_alerts_go_out_90_60_and_30_days_ahead_exactly_once_however_often_the_sweep_runs(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    expires = TODAY + timedelta(days=100)
    make_license(container, agency.id, ana, "NY", "NY-1", expires=expires)
    for _day in range(101):
        for _tick in range(3):
            sweep(uow=container.uow(), agency_id=agency.id, now=clock.now())
            clock.advance(timedelta(hours=1))
        clock.advance(timedelta(hours=21))
    assert alert_rows(container) == [
        (90, expires - timedelta(days=90)),
        (60, expires - timedelta(days=60)),
        (30, expires - timedelta(days=30)),
        (0, expires),
    ]
    emails = outbox_rows(container, "license.expiring")
    assert [(r.channel, r.recipient) for r in emails] == [
        ("inapp", f"producer:{ana}"),
        ("inapp", "role:compliance"),
        ("email", "ana.diaz@agency.example"),
    ] * 3
    subjects = [payload_of(r)["subject"] for r in emails if r.channel == "email"]
    assert subjects == [f"Your NY license NY-1 expires in {d} days" for d in (90, 60, 30)]


def test_a_license_first_seen_45_days_out_gets_only_the_60_day_alert_then_the_30(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    make_license(container, agency.id, ana, "NY", "NY-1", expires=TODAY + timedelta(days=45))
    first = sweep(uow=container.uow(), agency_id=agency.id, now=clock.now())
    assert [a.days_before for a in first.alerts] == [60]
    assert sweep(uow=container.uow(), agency_id=agency.id, now=clock.now()).alerts == ()
    clock.advance(timedelta(days=15))
    assert [
        a.days_before
        for a in sweep(uow=container.uow(), agency_id=agency.id, now=clock.now()).alerts
    ] == [30]


def test_a_renewal_starts_a_new_round_of_alerts_for_the_new_expiration(
    container: Container, clock: FixedClock
) -> None:
    from leadrouter.services.roster.licenses import update_license

    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    lic = make_license(container, agency.id, ana, "NY", "NY-1", expires=TODAY + timedelta(days=20))
    assert [
        a.days_before
        for a in sweep(uow=container.uow(), agency_id=agency.id, now=clock.now()).alerts
    ] == [30]
    update_license(
        uow=container.uow(),
        agency_id=agency.id,
        license_id=lic,
        now=clock.now(),
        changes={"expiration_date": TODAY + timedelta(days=80)},
        verifier="registry",
    )
    assert [
        a.days_before
        for a in sweep(uow=container.uow(), agency_id=agency.id, now=clock.now()).alerts
    ] == [90]


def test_a_lapse_flags_the_producers_open_leads_in_that_state_and_tells_the_supervisors(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    ny = make_license(container, agency.id, ana, "NY", "NY-1", expires=TODAY + timedelta(days=2))
    make_license(container, agency.id, ana, "NJ", "NJ-1", expires=TODAY + timedelta(days=400))
    ny_lead, nj_lead = (
        make_lead(container, agency.id, 1, zip_code=ZIPS["NY"]),
        make_lead(container, agency.id, 2, zip_code=ZIPS["NJ"]),
    )
    assert lead_row(container, ny_lead).owner_id == ana == lead_row(container, nj_lead).owner_id
    clock.advance(timedelta(days=2))
    result = sweep(uow=container.uow(), agency_id=agency.id, now=clock.now())
    assert [(lapse.license_id, lapse.flagged_leads) for lapse in result.lapses] == [
        (ny, (ny_lead,))
    ]
    flag = lead_row(container, ny_lead).flags["license_lapsed"]
    assert (flag["license_id"], flag["state"], flag["since"]) == (
        ny,
        "NY",
        (TODAY + timedelta(days=2)).isoformat(),
    )
    assert "license_lapsed" not in lead_row(container, nj_lead).flags
    lapsed = outbox_rows(container, "license.lapsed")
    supervisors = [payload_of(r) for r in lapsed if r.recipient == "role:supervisor"]
    assert len(supervisors) == 1 and str(ny_lead) in supervisors[0]["message"]
    emails = [r for r in lapsed if r.channel == "email"]
    assert [r.recipient for r in emails] == ["ana.diaz@agency.example"]
    assert payload_of(emails[0])["subject"] == "Your NY license NY-1 has lapsed"
    again = sweep(uow=container.uow(), agency_id=agency.id, now=clock.now() + timedelta(hours=5))
    assert (again.alerts, again.lapses) == ((), ())
    assert len(outbox_rows(container, "license.lapsed")) == len(lapsed)


def test_a_lapse_does_not_flag_leads_another_license_of_the_state_still_covers(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    make_license(container, agency.id, ana, "NY", "NY-OLD", expires=TODAY + timedelta(days=1))
    make_license(
        container,
        agency.id,
        ana,
        "NY",
        "NY-NEW",
        lines=("casualty",),
        expires=TODAY + timedelta(days=700),
    )
    lead = make_lead(container, agency.id, 3, zip_code=ZIPS["NY"])
    clock.advance(timedelta(days=1))
    result = sweep(uow=container.uow(), agency_id=agency.id, now=clock.now())
    assert [lapse.flagged_leads for lapse in result.lapses] == [()]
    assert "license_lapsed" not in lead_row(container, lead).flags
    assert [
        r.recipient for r in outbox_rows(container, "license.lapsed") if r.channel == "inapp"
    ] == [f"producer:{ana}", "role:compliance"]


def test_a_license_lapsing_at_midnight_agency_time_takes_the_producer_out_of_that_states_pool(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    expires = date(2026, 3, 5)
    make_license(container, agency.id, ana, "NY", "NY-1", expires=expires)
    make_license(container, agency.id, ana, "NJ", "NJ-1", expires=date(2027, 3, 5))
    clock.set(datetime(2026, 3, 4, 23, 59, tzinfo=NEW_YORK).astimezone(UTC))
    before = make_lead(container, agency.id, 4, zip_code=ZIPS["NY"])
    assert (lead_row(container, before).status, lead_row(container, before).owner_id) == (
        "assigned",
        ana,
    )
    clock.set(datetime(2026, 3, 5, 0, 0, tzinfo=NEW_YORK).astimezone(UTC))
    after = make_lead(container, agency.id, 5, zip_code=ZIPS["NY"])
    assert (lead_row(container, after).status, lead_row(container, after).owner_id) == (
        "queued",
        None,
    )
    other_state = make_lead(container, agency.id, 6, zip_code=ZIPS["NJ"])
    assert lead_row(container, other_state).owner_id == ana


def test_workers_sweeping_at_the_same_moment_send_each_alert_and_lapse_once(
    container: Container, clock: FixedClock
) -> None:
    agency = make_agency(container)
    ana = make_producer(container, agency.id, name="Ana Diaz")
    make_license(container, agency.id, ana, "NY", "NY-1", expires=TODAY + timedelta(days=30))
    make_license(container, agency.id, ana, "NJ", "NJ-1", expires=TODAY)
    lead = make_lead(container, agency.id, 7, zip_code=ZIPS["NY"])

    def one(_: int) -> SweepResult:
        return sweep(uow=container.uow(), agency_id=agency.id, now=clock.now())

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert sorted(len(r.alerts) + len(r.lapses) for r in results) == [0] * 5 + [2]
    assert sorted(alert_rows(container)) == [(0, TODAY), (30, TODAY)]
    assert len([r for r in outbox_rows(container, "license.expiring") if r.channel == "email"]) == 1
    assert len([r for r in outbox_rows(container, "license.lapsed") if r.channel == "email"]) == 1
    assert lead_row(container, lead).owner_id == ana
