"""The stored decision record: compact (excluded candidates by reason with their ids), and
expanded on reading into exactly the notes the decision holds."""

from __future__ import annotations

import json
import random
from datetime import date

from leadrouter.domain.model import LicenseStatus
from leadrouter.domain.routing import (
    CapsStep,
    LineStep,
    ProducerLoad,
    RoutingPolicy,
    StrategySpec,
    TerritoryStep,
    decision_document,
    expand_explanation,
    route,
)
from tests.support.routing_core import inputs, lead, license_, producer, roster, territory

STATES = ("CA", "NV", "OR")


def _agency(n: int, rng: random.Random):
    people = [
        producer(
            pid,
            team=f"pod-{pid % 4}",
            business_lines=frozenset(rng.sample(["life", "personal", "health"], 1)),
            max_open=rng.choice([None, 5]),
        )
        for pid in range(1, n + 1)
    ]
    licenses = []
    for p in people:
        for state in rng.sample(STATES, 2):
            lid = len(licenses) + 1
            licenses.append(
                license_(
                    lid,
                    p.id,
                    state=state,
                    lines=rng.choice([("life",), ("life", "accident_health"), ("property",)]),
                    expiration_date=rng.choice([None, date(2026, 1, 1)]),
                    status=rng.choice([LicenseStatus.ACTIVE] * 5 + [LicenseStatus.SUSPENDED]),
                )
            )
    pods = [territory(i + 1, f"{s} pod", states={s}, pod=f"pod-{i}") for i, s in enumerate(STATES)]
    return roster(people, licenses, pods), {p.id: p.name for p in people}


def _policies():
    steps = (TerritoryStep(), LineStep(on_empty="fallback"), CapsStep())
    for kind in ("round_robin", "weighted_score", "least_loaded"):
        yield RoutingPolicy(version=1, steps=steps, strategy=StrategySpec(kind))


def test_a_stored_explanation_expands_to_every_candidates_note_as_the_decision_holds_them():
    rng = random.Random(3)
    r, names = _agency(120, rng)
    loads = {pid: ProducerLoad(open_count=rng.randint(0, 6)) for pid in names}
    seen_outcomes = set()
    for policy in _policies():
        for i in range(40):
            the_lead = lead(i, rng.choice(["life", "home"]), rng.choice(STATES))
            d = route(r, inputs(the_lead, loads=loads), policy)
            stored = json.loads(json.dumps(decision_document(d)))
            full = decision_document(d, compact=False)
            assert expand_explanation(stored, names) == full
            assert len(full["candidates"]) == len(d.candidates)
            seen_outcomes.add((d.outcome, d.fallback))
    assert {("assigned", False), ("assigned", True)} <= seen_outcomes


def test_producers_excluded_for_one_reason_are_stored_once_with_their_ids():
    people = [producer(pid, team="west" if pid == 7 else "east") for pid in range(1, 301)]
    r = roster(
        people,
        [license_(pid, pid) for pid in range(1, 301)],
        [territory(1, "West", states={"CA"}, pod="west")],
    )
    policy = RoutingPolicy(
        version=1, steps=(TerritoryStep(),), strategy=StrategySpec("round_robin")
    )
    d = route(r, inputs(), policy)
    stored = decision_document(d)
    assert d.producer_id == 7 and len(d.candidates) == 300
    assert [c["producer_id"] for c in stored["candidates"]] == [7]
    assert stored["excluded"] == [
        {
            "excluded_by": "territory",
            "reason": "not in territory West",
            "producer_ids": [pid for pid in range(1, 301) if pid != 7],
        }
    ]
    assert "name" not in json.dumps(stored["excluded"])


def test_gate_refusals_share_one_reason_with_each_producers_license_number():
    r = roster(
        [producer(1), producer(2), producer(3)],
        [
            license_(1, 1),
            license_(2, 2, expiration_date=date(2026, 1, 1)),
            license_(3, 3, expiration_date=date(2026, 1, 1)),
        ],
    )
    policy = RoutingPolicy(version=1, steps=(), strategy=StrategySpec("round_robin"))
    stored = decision_document(route(r, inputs(), policy))
    assert stored["excluded"] == [
        {
            "excluded_by": "gate",
            "reason": "CA license {license} expired on 2026-01-01",
            "producer_ids": [2, 3],
            "licenses": ["L2", "L3"],
        }
    ]
    expanded = expand_explanation(stored, {1: "Ann", 2: "Bo", 3: "Cy"})
    assert [(c["name"], c["reason"]) for c in expanded["candidates"][1:]] == [
        ("Bo", "CA license L2 expired on 2026-01-01"),
        ("Cy", "CA license L3 expired on 2026-01-01"),
    ]


def test_an_explanation_stored_before_the_compact_form_reads_back_unchanged():
    old = {
        "outcome": "assigned",
        "producer_id": 1,
        "steps": ["gate: 1 producer(s) hold an active CA license for Life"],
        "candidates": [
            {
                "producer_id": 1,
                "name": "Ann",
                "excluded_by": None,
                "reason": "chosen by round_robin",
                "score": None,
                "score_parts": {"leads_in_pool": 0.0},
            }
        ],
    }
    assert expand_explanation(old, {}) == old


def test_the_record_and_the_whole_list_share_each_scored_candidates_note():
    """The notes of candidates no step excluded are built once per decision: the stored
    record reads them first and the whole list of candidates reuses them."""
    people = [producer(pid, max_open=10) for pid in range(1, 6)]
    r = roster(people, [license_(pid, pid) for pid in range(1, 6)])
    loads = {pid: ProducerLoad(open_count=pid) for pid in range(1, 6)}
    policy = RoutingPolicy(version=1, steps=(), strategy=StrategySpec("weighted_score"))
    d = route(r, inputs(loads=loads), policy)
    stored = decision_document(d)
    scored = [c for c in d.candidates if c.excluded_by is None]
    assert [c["producer_id"] for c in stored["candidates"]] == [1, 2, 3, 4, 5]
    assert len(scored) == 5
    for note in d.candidates.included():
        assert any(note is c for c in scored)
    assert scored[0].score_parts == {
        "capacity": 0.9,
        "specialization": 0.3,
        "close_rate": 0.5,
        "response_speed": 0.5,
    }
