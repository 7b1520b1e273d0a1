"""The policy document: YAML or JSON, validated, with errors that name the path and reason."""

from __future__ import annotations

import json

import pytest

from leadrouter.domain.routing import (
    AvailabilityStep,
    CapsStep,
    ExistingClientStep,
    LineStep,
    SegmentStep,
    StrategySpec,
    TerritoryStep,
    route,
)
from leadrouter.errors import ValidationFailed
from leadrouter.policy.load import (
    default_policy,
    default_policy_text,
    dump_policy,
    parse_policy,
    to_routing_policy,
)
from leadrouter.policy.schema import PolicyDocument
from leadrouter.policy.timing import TimingPolicy
from tests.support.routing_core import inputs, lead, license_, producer, roster

SEGMENTED = """
name: commercial first
routing:
  steps:
    - type: existing_client
    - type: segment
      name: big_gl
      when: insurance_type == "general_liability" and attributes.annual_revenue >= 2000000
      to: {teams: [commercial]}
      strategy: least_loaded
      on_empty: fallback
    - {type: territory, match: [zip]}
    - type: caps
      default_max_open: 25
  strategy: round_robin
  tiers:
    low: {action: nurture}
    high:
      pool: {where: "producer.team == 'elite'"}
      strategy: {type: weighted_score, weights: {capacity: 50, specialization: 50,
                 close_rate: 0, response_speed: 0}}
  fallback: {any_eligible: false}
"""


def field_errors(text, fmt=None):
    with pytest.raises(ValidationFailed) as info:
        parse_policy(text, fmt)
    return {e.field: e.reason for e in info.value.errors}


def test_the_shipped_default_policy_is_valid_and_chains_the_usual_steps():
    policy = to_routing_policy(default_policy())
    assert [type(s) for s in policy.steps] == [
        ExistingClientStep,
        TerritoryStep,
        LineStep,
        AvailabilityStep,
        CapsStep,
    ]
    assert policy.strategy == StrategySpec("weighted_score")
    assert policy.fallback.any_eligible
    assert "weighted_score" in default_policy_text()


def test_a_yaml_document_becomes_the_engines_policy():
    doc = parse_policy(SEGMENTED)
    policy = to_routing_policy(doc.model_copy(update={"version": 7}))
    assert policy.version == 7 and policy.name == "commercial first"
    segment = policy.steps[1]
    assert isinstance(segment, SegmentStep) and segment.name == "big_gl"
    assert segment.strategy == StrategySpec("least_loaded") and segment.on_empty == "fallback"
    assert segment.to.teams == {"commercial"}
    assert policy.steps[2] == TerritoryStep(match=frozenset({"zip"}))
    assert policy.caps.default_max_open == 25
    assert policy.strategy.kind == "round_robin"
    assert policy.tiers["low"].action == "nurture"
    assert policy.tiers["high"].strategy.score_weights["capacity"] == 50
    assert not policy.fallback.any_eligible


def test_the_same_document_reads_the_same_from_json():
    doc = parse_policy(SEGMENTED)
    as_json = dump_policy(doc, "json")
    assert json.loads(as_json)["routing"]["steps"][1]["type"] == "segment"
    assert parse_policy(as_json) == doc
    assert parse_policy(as_json, "json") == doc


def test_a_dumped_document_reads_back_the_same():
    doc = parse_policy(SEGMENTED)
    assert parse_policy(dump_policy(doc)) == doc
    assert "  - type: existing_client\n" in dump_policy(doc)


def test_an_empty_document_is_the_gate_caps_availability_and_weighted_score():
    doc = parse_policy("")
    assert doc == PolicyDocument() and doc.timing == TimingPolicy()
    assert to_routing_policy(doc).steps == ()


def test_a_bad_expression_is_refused_at_load_naming_the_path_and_column():
    errors = field_errors("""
routing:
  steps:
    - {type: segment, when: "attributes.revenue >", to: {teams: [x]}}
""")
    assert list(errors) == ["routing.steps[0].when"]
    assert "at column 21" in errors["routing.steps[0].when"]


def test_every_error_names_its_path():
    errors = field_errors("""
routing:
  steps:
    - {type: teleport}
    - {type: territory, on_empty: panic}
    - {type: segment, when: "true", to: {}}
  strategy: {type: weighted_score, weights: {capacity: -1}}
  tiers: {urgent: {action: nurture}}
unknown: 1
""")
    assert set(errors) == {
        "routing.steps[0]",
        "routing.steps[1].on_empty",
        "routing.steps[2].to",
        "routing.strategy.weights.capacity",
        "routing.tiers.urgent.[key]",
        "unknown",
    }
    assert "teleport" in errors["routing.steps[0]"]
    assert errors["routing.steps[2].to"] == "a pool needs producers, teams or where"


def test_step_names_must_be_unique_and_hard_filters_appear_once():
    assert (
        "unique: a"
        in field_errors("routing: {steps: [{type: line, name: a}, {type: territory, name: a}]}")[
            "routing"
        ]
    )
    assert (
        "at most one caps step"
        in field_errors("routing: {steps: [{type: caps}, {type: caps}]}")["routing"]
    )


def test_unnamed_steps_of_the_same_type_get_distinct_names():
    policy = to_routing_policy(parse_policy("routing: {steps: [{type: line}, {type: line}]}"))
    assert [s.name for s in policy.steps] == ["line", "line_2"]


@pytest.mark.parametrize(
    ("text", "fmt", "reason"),
    [
        ("routing: [", None, "invalid YAML at line 1"),
        ('{"routing": }', None, "invalid JSON at line 1 column 13"),
        ("name: a\nname: b", "yaml", "duplicate key 'name'"),
        ("a: &x [1]\nb: *x", "yaml", "aliases are not allowed"),
        ("- 1\n- 2", None, "must be a mapping"),
        ("!!python/object/apply:os.system ['true']", None, "invalid YAML"),
    ],
)
def test_unreadable_documents_are_refused_with_a_reason(text, fmt, reason):
    assert reason in field_errors(text, fmt)["document"]


def test_coverage_states_are_checked():
    assert (
        "unknown state(s): ZZ"
        in field_errors("routing: {coverage: {states: [CA, ZZ]}}")["routing.coverage.states"]
    )
    doc = parse_policy("routing: {coverage: {states: [ca], insurance_types: [life]}}")
    assert to_routing_policy(doc).coverage_states == {"CA"}


def test_a_loaded_policy_routes_a_lead():
    ps = [producer(1), producer(2, team="commercial")]
    r = roster(ps, [license_(11, 1, lines=["casualty"]), license_(12, 2, lines=["casualty"])])
    policy = to_routing_policy(parse_policy(SEGMENTED))
    big = lead(insurance_type="general_liability", attributes={"annual_revenue": "2500000"})
    d = route(r, inputs(big), policy)
    assert d.producer_id == 2 and d.strategy == "least_loaded"
