"""Policy lint: unreachable steps, overlapping territories, uncovered states x lines, empty caps."""

from __future__ import annotations

from datetime import date

from leadrouter.domain.lint import lint_policy
from leadrouter.policy.load import default_policy, lint_document, parse_policy, to_routing_policy
from tests.support.routing_core import AGENCY_TZ, NOW, license_, producer, roster, territory


def lint(text, r, *, now=NOW, tz=AGENCY_TZ):
    return lint_policy(to_routing_policy(parse_policy(text)), r, now, tz)


def messages(findings, severity=None):
    return [(f.path, f.message) for f in findings if severity in (None, f.severity)]


LIFE_IN_CA = roster([producer(1), producer(2)], [license_(1, 1), license_(2, 2)])
COVERED = "routing: {coverage: {states: [CA], insurance_types: [life]}, steps: [%s]}"


def test_a_clean_policy_and_roster_have_no_warnings():
    findings = lint(COVERED % "{type: availability}, {type: caps}", LIFE_IN_CA)
    assert findings == []


def test_a_repeated_step_is_reported_as_never_changing_the_pool():
    found = messages(lint(COVERED % "{type: line}, {type: line, name: again}", LIFE_IN_CA))
    assert (
        "routing.steps[1]",
        "step 'again' repeats routing.steps[0]; it can never change the pool",
    ) in found


def test_steps_after_a_final_step_that_always_applies_are_unreachable():
    text = COVERED % (
        "{type: segment, when: 'true', to: {teams: [a]}, final: true}, {type: territory}"
    )
    found = messages(lint(text, LIFE_IN_CA))
    assert (
        "routing.steps[1]",
        "step 'territory' is unreachable: final step 'segment' before it always applies",
    ) in found


def test_a_condition_that_is_always_false_is_reported():
    found = messages(lint(COVERED % "{type: segment, when: '1 > 2', to: {teams: [a]}}", LIFE_IN_CA))
    assert (
        "routing.steps[0].when",
        "the condition is always false; the step never applies",
    ) in found


def test_names_an_expression_cannot_see_are_reported():
    text = COVERED % (
        "{type: segment, when: 'atributes.revenue > 1', to: {where: 'producer.tem == \"a\"'}}"
    )
    found = dict(messages(lint(text, LIFE_IN_CA)))
    assert "a lead has no atributes.revenue" in found["routing.steps[0].when"]
    assert "a producer has no producer.tem" in found["routing.steps[0].to.where"]
    fine = COVERED % (
        "{type: segment, when: 'lead.attributes.x > 1 and client.name != null "
        "and attributes.y', to: {where: 'team == \"a\" or producer.weight > 1'}}"
    )
    assert not any(" has no " in m and "null" in m for _, m in messages(lint(fine, LIFE_IN_CA)))


def test_overlapping_territories_are_reported_with_what_they_share():
    ts = [
        territory(1, "North", zip_ranges=[("92000", "92199")], pod="a"),
        territory(2, "Coast", zip_prefixes=["921"], pod="a"),
        territory(3, "Life only", zip_prefixes=["921"], pod="a", business_lines=["life"]),
        territory(4, "Commercial", zip_prefixes=["921"], pod="a", business_lines=["commercial"]),
        territory(5, "Elsewhere", zip_prefixes=["10"], states=["NY"], pod="a"),
    ]
    r = roster([producer(1, team="a")], [license_(1, 1)], ts)
    found = messages(lint(COVERED % "{type: territory}", r))
    assert (
        "territories[Coast]",
        "overlaps territory 'North' on ZIP 92100-92199; a lead there goes to both",
    ) in found
    assert not any("'Life only'" in m and p == "territories[Commercial]" for p, m in found)
    assert not any("Elsewhere" in p or "Elsewhere" in m for p, m in found)


def test_territories_are_not_linted_when_no_step_uses_them():
    ts = [territory(1, "A", states=["CA"]), territory(2, "B", states=["CA"])]
    r = roster([producer(1)], [license_(1, 1)], ts)
    assert not any("overlaps" in m for _, m in messages(lint(COVERED % "", r)))


def test_states_and_lines_nobody_is_licensed_for_are_reported_by_state():
    text = "routing: {coverage: {states: [CA, TX], insurance_types: [life, health, bop]}}"
    found = messages(lint(text, LIFE_IN_CA))
    assert (
        "routing.coverage",
        "CA: no producer holds an active license for Health, Business owner's policy",
    ) in found
    assert (
        "routing.coverage",
        "TX: no producer holds an active license for Life, Health, Business owner's policy",
    ) in found


def test_coverage_is_inferred_from_the_roster_when_the_policy_does_not_say():
    r = roster(
        [producer(1, business_lines=frozenset({"life"}))],
        [license_(1, 1), license_(2, 1, state="NV", expiration_date=date(2026, 1, 1))],
    )
    found = messages(lint("", r))
    assert (
        "routing.coverage",
        "NV: no producer holds an active license for Life, Annuity",
    ) in found
    assert not any(m.startswith("CA:") for _, m in found)


def test_pools_whose_caps_sum_to_zero_are_reported():
    ps = [producer(1, team="a", max_open=0), producer(2, team="a", max_open=0), producer(3)]
    r = roster(ps, [license_(i, i) for i in (1, 2, 3)])
    found = messages(lint(COVERED % "{type: segment, when: 'true', to: {teams: [a]}}", r))
    assert (
        "routing.steps[0].to",
        "pool team a: caps sum to 0 open leads; no lead can be assigned there",
    ) in found


def test_a_roster_whose_caps_all_sum_to_zero_is_an_error():
    r = roster([producer(1, max_daily=0)], [license_(1, 1)])
    assert (
        "roster",
        "all active producers: caps sum to 0 new leads a day; no lead can be assigned there",
    ) in messages(lint(COVERED % "", r), "error")


def test_a_pool_with_no_active_producer_is_reported():
    found = messages(
        lint(COVERED % "{type: segment, when: 'true', to: {teams: [ghosts]}}", LIFE_IN_CA)
    )
    assert ("routing.steps[0].to", "pool team ghosts has no active producer") in found


def test_no_active_producer_at_all_is_an_error():
    r = roster([producer(1, active=False)], [license_(1, 1)])
    assert messages(lint("", r), "error")[0] == (
        "roster",
        "no active producer: every lead will wait",
    )


def test_the_default_policy_lints_through_the_document_helper():
    findings = lint_document(default_policy(), LIFE_IN_CA, now=NOW, tz=AGENCY_TZ)
    assert all(f.severity != "error" for f in findings)
