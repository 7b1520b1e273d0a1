"""Policy lint: what in a policy, read against a roster, can't work as its author means.

Finds unreachable or repeated steps, conditions that never (or always) hold, names an
expression can't see, overlapping territories, states x insurance types that no licensed
producer covers today, and pools that are empty or whose caps sum to zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from itertools import combinations
from typing import Literal

from leadrouter.domain.compliance import local_date
from leadrouter.domain.expr import Expr
from leadrouter.domain.insurance import DEFAULT_TYPES, InsuranceType
from leadrouter.domain.model import Client, Lead, Producer, Territory
from leadrouter.domain.routing.policy import (
    AvailabilityStep,
    CapsStep,
    LineStep,
    PoolSelector,
    RoutingPolicy,
    SegmentStep,
    TerritoryStep,
)
from leadrouter.domain.routing.roster import RosterSnapshot, producer_env

Severity = Literal["error", "warning", "info"]
_LEAD_FIELDS = frozenset(f.name for f in fields(Lead)) | {"business_line", "predicted_conversion"}
_PRODUCER_FIELDS = frozenset(producer_env(Producer(id=0, agency_id=0, name="", email=""))) - {
    "producer"
}
# Top-level name -> the names allowed after its first dot (None: anything, e.g. attributes).
LEAD_NAMES: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(_LEAD_FIELDS, frozenset()),
    "attributes": None,
    "lead": _LEAD_FIELDS,
    "client": frozenset(f.name for f in fields(Client)),
}
PRODUCER_NAMES: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(_PRODUCER_FIELDS, frozenset()),
    "producer": _PRODUCER_FIELDS,
}


@dataclass(frozen=True)
class LintFinding:
    severity: Severity
    path: str
    message: str


def lint_policy(
    policy: RoutingPolicy,
    roster: RosterSnapshot,
    now: datetime,
    tz: str,
    types: Mapping[str, InsuranceType] = DEFAULT_TYPES,
) -> list[LintFinding]:
    """Everything lint finds in ``policy`` against ``roster`` on the agency's day at ``now``,
    with the agency's insurance ``types`` (its catalog, overrides included)."""
    out: list[LintFinding] = []
    _steps(policy, out)
    _expressions(policy, out)
    if any(isinstance(s, TerritoryStep) for s in policy.steps):
        _overlaps(roster.territories, out)
    _coverage(policy, roster, now, tz, types, out)
    _pools(policy, roster, out)
    _optimizer(policy, roster, out)
    _fallback_reach(policy, out)
    return out


def _fallback_reach(policy: RoutingPolicy, out: list[LintFinding]) -> None:
    """Warn that the fallback crosses the territory and line steps: when nobody of the
    lead's territory or line can take it (not yet on shift, say), anyone licensed gets it."""
    if not policy.fallback.any_eligible:
        return
    crossed = [
        f"{'territory' if isinstance(s, TerritoryStep) else 'line'} (routing.steps[{i}])"
        for i, s in enumerate(policy.steps)
        if isinstance(s, TerritoryStep | LineStep)
    ]
    if not crossed:
        return
    hold = policy.fallback.hold_after_shift_start_minutes
    when = (
        f"{hold} minutes after shifts start"
        if hold
        else "at once (a lead queued overnight goes to whoever starts first; "
        "hold_after_shift_start_minutes holds it for its own producers)"
    )
    out.append(
        LintFinding(
            "warning",
            "routing.fallback.any_eligible",
            f"the fallback sends leads across {' and '.join(crossed)} to any licensed "
            f"producer when none of theirs is available, {when}",
        )
    )


def _optimizer(policy: RoutingPolicy, roster: RosterSnapshot, out: list[LintFinding]) -> None:
    """Fairness floors nobody can keep, and an optimizer that never explores."""
    opt = policy.optimizer()
    if opt is None:
        return
    active = sum(1 for p in roster.producers if p.active)
    if opt.min_share * active > 1.0:
        out.append(
            LintFinding(
                "error",
                "routing.strategy.fairness.min_share",
                f"floors of {opt.min_share:.0%} for {active} active producers add up to "
                f"{opt.min_share * active:.0%} of the leads; they cannot all be kept",
            )
        )
    if active and opt.max_share * active < 1.0:
        out.append(
            LintFinding(
                "error",
                "routing.strategy.fairness.max_share",
                f"ceilings of {opt.max_share:.0%} for {active} active producers leave "
                f"{1 - opt.max_share * active:.0%} of the leads with nobody; the optimizer "
                "ignores a ceiling rather than queue a lead",
            )
        )
    if opt.exploration == 0:
        out.append(
            LintFinding(
                "warning",
                "routing.strategy.exploration",
                "the optimizer never explores: replaying another policy against this history "
                "has no logged decisions to learn from where the two disagree",
            )
        )


def _steps(policy: RoutingPolicy, out: list[LintFinding]) -> None:
    seen: list[object] = []  # steps without their names (some hold dicts: not hashable)
    closed_by: str | None = None
    for i, step in enumerate(policy.steps):
        path = f"routing.steps[{i}]"
        key = replace(step, name="")
        if key in seen:
            out.append(
                LintFinding(
                    "warning",
                    path,
                    f"step '{step.name}' repeats "
                    f"routing.steps[{seen.index(key)}]; it can never change "
                    "the pool",
                )
            )
        seen.append(key)
        if isinstance(step, AvailabilityStep | CapsStep):
            continue
        if closed_by is not None:
            out.append(
                LintFinding(
                    "warning",
                    path,
                    f"step '{step.name}' is unreachable: final "
                    f"step '{closed_by}' before it always applies",
                )
            )
        if isinstance(step, SegmentStep) and step.when.constant:
            always = step.when.test({})
            if not always:
                out.append(
                    LintFinding(
                        "warning",
                        f"{path}.when",
                        "the condition is always false; the step never applies",
                    )
                )
            elif step.final:
                closed_by = closed_by or step.name
    for kind in (AvailabilityStep, CapsStep):
        if not any(isinstance(s, kind) for s in policy.steps):
            out.append(
                LintFinding(
                    "info",
                    "routing.steps",
                    f"no {kind().name} step: it is applied anyway, just before the strategy",
                )
            )
    for tier, rule in policy.tiers.items():
        if rule.action == "nurture" and (rule.pool is not None or rule.strategy is not None):
            out.append(
                LintFinding("info", f"routing.tiers.{tier}", "nurture ignores pool and strategy")
            )


def _expressions(policy: RoutingPolicy, out: list[LintFinding]) -> None:
    for i, step in enumerate(policy.steps):
        if isinstance(step, SegmentStep):
            _names(step.when, LEAD_NAMES, f"routing.steps[{i}].when", "a lead", out)
            _names(step.to.where, PRODUCER_NAMES, f"routing.steps[{i}].to.where", "a producer", out)
    for tier, rule in policy.tiers.items():
        if rule.pool is not None:
            _names(
                rule.pool.where,
                PRODUCER_NAMES,
                f"routing.tiers.{tier}.pool.where",
                "a producer",
                out,
            )


def _names(
    expr: Expr | None,
    known: dict[str, frozenset[str] | None],
    path: str,
    of: str,
    out: list[LintFinding],
) -> None:
    if expr is None:
        return
    unknown = sorted(n for n in expr.names if not _visible(n, known))
    if unknown:
        out.append(
            LintFinding(
                "warning",
                path,
                f"{of} has no {', '.join(unknown)}; a missing name is null and compares false",
            )
        )


def _visible(name: str, known: dict[str, frozenset[str] | None]) -> bool:
    root, _, rest = name.partition(".")
    if root not in known:
        return False
    inner = known[root]
    return not rest or inner is None or rest.split(".")[0] in inner


def _zip_span(lo: str, hi: str) -> tuple[str, str]:
    return lo.ljust(5, "0"), hi.ljust(5, "9")


def _overlaps(territories: tuple[Territory, ...], out: list[LintFinding]) -> None:
    for a, b in combinations(territories, 2):
        if a.business_lines and b.business_lines and a.business_lines.isdisjoint(b.business_lines):
            continue
        spans_a = [_zip_span(lo, hi) for lo, hi in a.zip_ranges]
        spans_a += [_zip_span(p, p) for p in a.zip_prefixes]
        spans_b = [_zip_span(lo, hi) for lo, hi in b.zip_ranges]
        spans_b += [_zip_span(p, p) for p in b.zip_prefixes]
        shared = [
            f"ZIP {max(x[0], y[0])}-{min(x[1], y[1])}"
            for x in spans_a
            for y in spans_b
            if x[0] <= y[1] and y[0] <= x[1]
        ]
        shared += [f"county {c}" for c in sorted(a.counties & b.counties)]
        shared += [f"state {s}" for s in sorted(a.states & b.states)]
        if shared:
            out.append(
                LintFinding(
                    "warning",
                    f"territories[{b.name}]",
                    f"overlaps territory '{a.name}' on {', '.join(shared[:5])}; "
                    "a lead there goes to both",
                )
            )


def _coverage(
    policy: RoutingPolicy,
    roster: RosterSnapshot,
    now: datetime,
    tz: str,
    catalog: Mapping[str, InsuranceType],
    out: list[LintFinding],
) -> None:
    today = local_date(now, tz)
    if today is None:
        out.append(LintFinding("error", "agency.timezone", f"unknown time zone {tz!r}"))
        return
    active = [p for p in roster.producers if p.active]
    if not active:
        out.append(LintFinding("error", "roster", "no active producer: every lead will wait"))
        return
    states = policy.coverage_states
    if states is None:
        states = frozenset(s for t in roster.territories for s in t.states) | frozenset(
            code for code, held in roster.in_state.items() if any(p.active for p, _ in held)
        )
    codes = policy.coverage_types
    if codes is None:
        sold = {line for p in active for line in p.business_lines}
        codes = tuple(
            c for c, t in catalog.items() if not sold or c in sold or t.business_line in sold
        )
    for code in codes:
        if code not in catalog:
            out.append(
                LintFinding(
                    "warning",
                    "routing.coverage.insurance_types",
                    f"unknown insurance type '{code}'",
                )
            )
    types = [catalog[c] for c in codes if c in catalog]
    for state in sorted(states):
        missing = [t.label for t in types if not roster.gate(state, t, today).passed]
        if missing:
            out.append(
                LintFinding(
                    "warning",
                    "routing.coverage",
                    f"{state}: no producer holds an active license for {', '.join(missing)}",
                )
            )


def _pools(policy: RoutingPolicy, roster: RosterSnapshot, out: list[LintFinding]) -> None:
    caps = policy.caps
    pools: list[tuple[str, str, list[Producer]]] = []
    everyone = [p for p in roster.producers if p.active]
    pools.append(("roster", "all active producers", everyone))
    if any(isinstance(s, TerritoryStep) for s in policy.steps):
        for t in roster.territories:
            ids = roster.members.get(t.id, frozenset())
            pools.append(
                (
                    f"territories[{t.name}]",
                    f"territory '{t.name}'",
                    [p for p in everyone if p.id in ids],
                )
            )
    for i, step in enumerate(policy.steps):
        if isinstance(step, SegmentStep):
            pools.append(
                (
                    f"routing.steps[{i}].to",
                    f"pool {step.to.describe()}",
                    _members(step.to, roster, everyone),
                )
            )
    for tier, rule in policy.tiers.items():
        if rule.pool is not None and rule.action == "route":
            pools.append(
                (
                    f"routing.tiers.{tier}.pool",
                    f"{tier}-intent pool",
                    _members(rule.pool, roster, everyone),
                )
            )
    for path, label, members in pools:
        if not members:
            if everyone:
                out.append(LintFinding("warning", path, f"{label} has no active producer"))
            continue
        opens = [p.max_open if p.max_open is not None else caps.default_max_open for p in members]
        daily = [
            p.max_daily if p.max_daily is not None else caps.default_max_daily for p in members
        ]
        for what, limits in (("open leads", opens), ("new leads a day", daily)):
            if all(x is not None for x in limits) and sum(x or 0 for x in limits) == 0:
                severity: Severity = "error" if path == "roster" else "warning"
                out.append(
                    LintFinding(
                        severity,
                        path,
                        f"{label}: caps sum to 0 {what}; no lead can be assigned there",
                    )
                )


def _members(
    selector: PoolSelector, roster: RosterSnapshot, pool: list[Producer]
) -> list[Producer]:
    listed = bool(selector.producers or selector.teams)
    return [
        p
        for p in pool
        if (not listed or p.id in selector.producers or p.team in selector.teams)
        and (selector.where is None or selector.where.test(roster.envs[p.id]))
    ]
