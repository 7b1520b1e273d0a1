"""Leads queued overnight wait for their own producers after shifts start (issue 9, item 8):
the policy's ``fallback.hold_after_shift_start_minutes`` keeps the fallback from handing a
queued lead to whoever starts first, and lint says when the fallback crosses territories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from leadrouter.domain.lint import lint_policy
from leadrouter.domain.model import Lead, LeadStatus, Shift
from leadrouter.domain.routing import route
from leadrouter.policy.load import parse_policy, to_routing_policy
from tests.support.routing_core import (
    AGENCY_TZ,
    inputs,
    lead,
    license_,
    producer,
    roster,
    territory,
)

# Tuesday 2026-03-03 in Chicago (UTC-6): the early producer starts at 07:30, the territory's
# own producer at 08:00.
EARLY, OWNER = 1, 2
TEAM = roster(
    [
        producer(EARLY, working_hours=tuple(Shift(d, time(7, 30), time(16)) for d in range(5))),
        producer(OWNER, working_hours=tuple(Shift(d, time(8), time(17)) for d in range(5))),
    ],
    [license_(1, EARLY), license_(2, OWNER)],
    [territory(1, "California", states=["CA"], producer_id=OWNER)],
)
POLICY = """
routing:
  steps: [{type: territory}, {type: availability}, {type: caps}]
  strategy: {type: round_robin}
  fallback: {any_eligible: true%s}
"""


def _decide(hold: int, at: datetime, status: LeadStatus = LeadStatus.QUEUED):
    extra = f", hold_after_shift_start_minutes: {hold}" if hold else ""
    policy = to_routing_policy(parse_policy(POLICY % extra))
    return route(TEAM, inputs(_waiting(status), now=at), policy)


def _waiting(status: LeadStatus = LeadStatus.QUEUED) -> Lead:
    return replace(lead(), status=status)


def _chicago(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 3, hour + 6, minute, tzinfo=UTC)


def test_without_a_hold_the_first_producer_on_shift_takes_a_queued_lead_outside_the_territory():
    d = _decide(0, _chicago(7, 40))
    assert (d.outcome, d.producer_id, d.fallback) == ("assigned", EARLY, True)


def test_a_hold_keeps_the_queued_lead_for_its_territory_until_its_producer_starts():
    held = _decide(45, _chicago(7, 40))
    assert held.outcome == "queued"
    assert "held for its preferred producers 35 more minute(s)" in held.reason
    owner_on = _decide(45, _chicago(8, 5))
    assert (owner_on.outcome, owner_on.producer_id, owner_on.fallback) == (
        "assigned",
        OWNER,
        False,
    )


def test_the_hold_ends_after_its_minutes_and_never_holds_a_new_lead():
    owner_away = roster(
        [TEAM.by_id[EARLY], producer(OWNER, working_hours=(Shift(0, time(8), time(17)),))],
        [license_(1, EARLY), license_(2, OWNER)],
        [territory(1, "California", states=["CA"], producer_id=OWNER)],
    )
    policy = to_routing_policy(parse_policy(POLICY % ", hold_after_shift_start_minutes: 45"))
    still = route(owner_away, inputs(_waiting(), now=_chicago(8, 14)), policy)
    after = route(owner_away, inputs(_waiting(), now=_chicago(8, 15)), policy)
    assert (still.outcome, after.outcome, after.producer_id) == ("queued", "assigned", EARLY)
    fresh = _decide(45, _chicago(7, 40), status=LeadStatus.NEW)
    assert (fresh.outcome, fresh.producer_id) == ("assigned", EARLY)


def test_lint_warns_when_the_fallback_sends_leads_across_territories_or_lines():
    def findings(text: str) -> list[tuple[str, str, str]]:
        policy = to_routing_policy(parse_policy(text))
        return [
            (f.severity, f.path, f.message)
            for f in lint_policy(policy, TEAM, _chicago(9, 0), AGENCY_TZ)
            if f.path == "routing.fallback.any_eligible"
        ]

    (crossing,) = findings(POLICY % "")
    assert crossing[0] == "warning"
    assert "across territory (routing.steps[0])" in crossing[2]
    assert "hold_after_shift_start_minutes" in crossing[2]
    (held,) = findings(POLICY % ", hold_after_shift_start_minutes: 30")
    assert "30 minutes after shifts start" in held[2]
    off = (
        "routing:\n  steps: [{type: territory}, {type: line}]\n  fallback: {any_eligible: false}\n"
    )
    assert findings(off) == []
    lines = "routing:\n  steps: [{type: line}]\n"
    assert "across line (routing.steps[0])" in findings(lines)[0][2]
