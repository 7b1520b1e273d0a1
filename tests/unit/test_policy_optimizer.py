"""The optimizer in the policy document and in lint."""

from __future__ import annotations

import pytest

from leadrouter.domain.lint import lint_policy
from leadrouter.errors import ValidationFailed
from leadrouter.policy.load import dump_policy, parse_policy, to_routing_policy
from tests.support.routing_core import AGENCY_TZ, NOW, license_, producer, roster

OPTIMIZER = """
name: learn where leads convert
routing:
  steps:
    - type: availability
    - type: caps
  strategy:
    type: optimizer
    objective: premium
    exploration: 0.15
    capacity_price: 0.4
    fairness: {period: week, min_share: 0.05, max_share: 0.5}
    window_days: 60
"""


def test_the_policy_document_accepts_the_optimizer_and_keeps_every_knob():
    doc = parse_policy(OPTIMIZER)
    policy = to_routing_policy(doc)
    opt = policy.optimizer()
    assert policy.strategy.kind == "optimizer" and opt is not None
    assert (opt.objective, opt.exploration, opt.capacity_price) == ("premium", 0.15, 0.4)
    assert (opt.period, opt.min_share, opt.max_share, opt.window_days) == ("week", 0.05, 0.5, 60)
    assert parse_policy(dump_policy(doc)) == doc
    assert opt.contact_curve and (opt.contact_rate, opt.handle_minutes) == (0.7, 10.0)


def test_speed_to_lead_can_be_switched_off_and_its_knobs_set():
    text = OPTIMIZER.replace(
        "window_days: 60", "window_days: 60\n    speed_to_lead: false\n    handle_minutes: 15"
    )
    opt = to_routing_policy(parse_policy(text)).optimizer()
    assert opt is not None and opt.contact_curve == () and opt.handle_minutes == 15
    with pytest.raises(ValidationFailed):
        parse_policy(OPTIMIZER.replace("window_days: 60", "window_days: 60\n    contact_rate: 1"))


def test_a_floor_above_the_ceiling_is_refused_with_its_path():
    with pytest.raises(ValidationFailed) as e:
        parse_policy(OPTIMIZER.replace("min_share: 0.05", "min_share: 0.6"))
    assert "fairness" in str(e.value.errors) or "fairness" in str(e.value)


def test_lint_reports_floors_nobody_can_keep_and_an_optimizer_that_never_explores():
    text = OPTIMIZER.replace("min_share: 0.05", "min_share: 0.4").replace(
        "exploration: 0.15", "exploration: 0"
    )
    r = roster([producer(i) for i in (1, 2, 3)], [license_(i, i) for i in (1, 2, 3)])
    findings = lint_policy(to_routing_policy(parse_policy(text)), r, NOW, AGENCY_TZ)
    paths = {(f.severity, f.path) for f in findings}
    assert ("error", "routing.strategy.fairness.min_share") in paths
    assert ("warning", "routing.strategy.exploration") in paths
    clean = lint_policy(to_routing_policy(parse_policy(OPTIMIZER)), r, NOW, AGENCY_TZ)
    assert not [f for f in clean if "optimizer" in f.message or "fairness" in f.path]
