"""The follow-up cadence: quiet hours across time zones and a DST change, opt-out, the month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadrouter.bootstrap import Container
from leadrouter.clock import FixedClock
from leadrouter.services.leads.opt_out import receive_inbound_sms
from tests.support.factories import make_agency, make_lead, make_producer
from tests.support.time_engine import (
    run_until,
    timer_messages,
)

# Sunday 2026-03-08 05:00 UTC: midnight in New York, Saturday 21:00 in Los Angeles. Both
# spring forward at 02:00 local that night (07:00 and 10:00 UTC).
ARRIVAL = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_texts_and_call_reminders_wait_for_8am_consumer_time_across_the_dst_change(
    container: Container, clock: FixedClock
) -> None:
    c = container
    clock.set(ARRIVAL)
    agency = make_agency(c)
    make_producer(c, agency.id, 1, licensed_in=("NY",))
    make_producer(c, agency.id, 2, licensed_in=("CA",))
    new_york = make_lead(c, agency.id, 1, zip_code="10001")
    los_angeles = make_lead(c, agency.id, 2, zip_code="90001")

    run_until(c, clock, datetime(2026, 4, 8, tzinfo=UTC))

    cadence = [(k, ch, at) for k, ch, _, at in timer_messages(c, new_york) if k[:4] == "cad:"]
    assert cadence == [
        ("cad:email_consumer:5m", "email", _at(8, 5, 5)),  # emails do not wait for the hours
        ("cad:sms_consumer:5m", "sms", _at(8, 12)),  # 08:00 EDT, the new summer clock
        ("cad:call_reminder:1h", "inapp", _at(8, 12)),
        ("cad:call_reminder:1h", "email", _at(8, 12)),
        ("cad:call_reminder:4h", "inapp", _at(8, 12)),
        ("cad:call_reminder:4h", "email", _at(8, 12)),
        ("cad:call_reminder:1d", "inapp", _at(9, 12)),  # 24 h on is 01:00 EDT: deferred
        ("cad:call_reminder:1d", "email", _at(9, 12)),
        ("cad:call_reminder:2d", "inapp", _at(10, 12)),
        ("cad:call_reminder:2d", "email", _at(10, 12)),
        ("cad:email_consumer:7d", "email", _at(15, 5)),  # the last email, day 7
        ("cad:nurture_email:30d", "email", datetime(2026, 4, 7, 5, tzinfo=UTC)),
    ]
    texts = [
        (k, at)
        for k, ch, to, at in timer_messages(c, los_angeles)
        if ch == "sms" and to == "+16465550002"
    ]
    assert texts == [("cad:sms_consumer:5m", _at(8, 15))]  # 08:00 PDT in Los Angeles


def test_a_consumer_who_texts_stop_gets_nothing_more_while_the_producer_is_still_chased(
    container: Container, clock: FixedClock
) -> None:
    c, t0 = container, clock.now()
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(c, agency.id, 1)
    clock.advance(timedelta(minutes=2))
    receive_inbound_sms(
        uow=c.uow(),
        agency_id=agency.id,
        from_number="646-555-0001",
        body="STOP",
        now=clock.now(),
    )

    run_until(c, clock, t0 + timedelta(days=8))

    sent = {(k, ch, to) for k, ch, to, _ in timer_messages(c, lead)}
    assert not {s for s in sent if s[0].startswith("cad:")}  # no text, email or reminder
    assert ("esc:warn_producer:15m", "sms", "+12125550001") in sent
    assert ("esc:alert_producer:5m", "inapp", f"producer:{alice}") in sent
