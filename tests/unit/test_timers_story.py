"""One lead's whole life on the virtual clock: ladder, reassignment, cadence, quiet hours, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from leadrouter.domain.timer_policy import TimingRules
from leadrouter.domain.timers import Action, Reassign, TimerState
from tests.support.timers import run, timer_state

NEW_YORK = ZoneInfo("America/New_York")


def test_an_evening_lead_before_spring_forward_runs_the_whole_default_policy() -> None:
    # Saturday 20:40 EST; clocks jump from 02:00 EST to 03:00 EDT that night.
    t0 = datetime(2026, 3, 7, 20, 40, tzinfo=NEW_YORK).astimezone(UTC)
    state = timer_state(t0, assignment_id=1)
    owners: list[int] = []

    def to_backup(s: TimerState, actions: list[Action], now: datetime) -> TimerState:
        owners.extend(s.owner_id for _ in actions)
        if any(isinstance(a, Reassign) for a in actions):
            return s.reassigned(assignment_id=2, owner_id=11, at=now)
        return s

    steps, final = run(
        state, TimingRules(), start=t0, until=t0 + timedelta(days=40), react=to_backup
    )
    trace = [
        (st.at.astimezone(NEW_YORK).strftime("%a %H:%M %Z"), st.action.key, owner)
        for st, owner in zip(steps, owners, strict=True)
    ]
    assert trace == [
        ("Sat 20:40 EST", "cad:notify_producer:0m", 10),
        ("Sat 20:45 EST", "esc:alert_producer:5m", 10),
        ("Sat 20:45 EST", "cad:sms_consumer:5m", 10),  # 20:45 is inside the hours
        ("Sat 20:45 EST", "cad:email_consumer:5m", 10),
        ("Sat 20:55 EST", "esc:warn_producer:15m", 10),
        ("Sat 21:10 EST", "esc:reassign:30m", 10),
        ("Sat 21:10 EST", "cad:notify_producer:0m", 11),  # the backup hears of it at once
        ("Sat 21:15 EST", "esc:alert_producer:5m", 11),
        ("Sat 21:25 EST", "esc:warn_producer:15m", 11),
        ("Sat 21:40 EST", "esc:alert_manager:1h", 11),
        ("Sat 21:40 EST", "defer:cad:call_reminder:1h", 11),  # 21:40: too late to call
        ("Sun 00:40 EST", "defer:cad:call_reminder:4h", 11),
        ("Sun 08:00 EDT", "cad:call_reminder:1h", 11),  # 08:00 on the new, summer clock
        ("Sun 08:00 EDT", "cad:call_reminder:4h", 11),
        ("Sun 21:40 EDT", "defer:cad:call_reminder:1d", 11),  # 24 h later is 21:40 EDT
        ("Mon 08:00 EDT", "cad:call_reminder:1d", 11),
        ("Mon 21:40 EDT", "defer:cad:call_reminder:2d", 11),
        ("Tue 08:00 EDT", "cad:call_reminder:2d", 11),
        ("Sat 21:40 EDT", "cad:email_consumer:7d", 11),  # emails are not held for the hours
        ("Mon 21:40 EDT", "cad:nurture_email:30d", 11),
    ]
    assert final.owner_id == 11 and final.first_assigned_at == t0
