"""``route``: the license gate first and always, then the policy steps, a strategy, fallback.

Every outcome is ``assigned``, ``queued`` or ``nurture``; queued and nurture carry a reason.
The winner is re-checked with ``check_gate`` on its own licenses before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from leadrouter.domain.compliance import local_date
from leadrouter.domain.model import LeadStatus, Producer
from leadrouter.domain.routing.availability import (
    LocalClock,
    cap_reason,
    minutes_on_shift,
)
from leadrouter.domain.routing.explain import (
    gate_summary,
    no_license_reason,
    unavailable_reason_summary,
)
from leadrouter.domain.routing.model import (
    ZERO_LOAD,
    CandidateNote,
    Decision,
    Outcome,
    ProducerLoad,
    RoutingInput,
)
from leadrouter.domain.routing.notes import Notes
from leadrouter.domain.routing.policy import (
    AvailabilityStep,
    CapsStep,
    RoutingPolicy,
    StrategySpec,
    TierRule,
)
from leadrouter.domain.routing.roster import RosterSnapshot
from leadrouter.domain.routing.steps import (
    EXCLUDED,
    Narrowed,
    StepContext,
    gate_for,
    narrow,
    select,
)
from leadrouter.domain.routing.strategies import TIE_RULES, Pick, pick


@dataclass
class _Run:
    """The state of one decision as it moves through the steps."""

    ctx: StepContext
    notes: Notes = field(default_factory=Notes)
    steps: list[str] = field(default_factory=list)
    eligible: list[Producer] = field(default_factory=list)  # gated and not excluded

    def decide(
        self,
        outcome: Outcome,
        reason: str | None,
        *,
        producer_id: int | None = None,
        license_id: int | None = None,
        pool: str | None = None,
        strategy: str | None = None,
        tie_break: str | None = None,
        fallback: bool = False,
        candidates: Sequence[CandidateNote] | None = None,
        propensity: float | None = None,
    ) -> Decision:
        """The decision, with the steps so far and every candidate's note."""
        return Decision(
            outcome=outcome,
            producer_id=producer_id,
            license_id=license_id,
            pool=pool,
            strategy=strategy,
            reason=reason,
            steps=tuple(self.steps),
            candidates=self.notes.freeze() if candidates is None else candidates,
            policy_version=self.ctx.policy.version,
            tie_break=tie_break,
            fallback=fallback,
            propensity=propensity,
        )


def route(
    roster: RosterSnapshot,
    inp: RoutingInput,
    policy: RoutingPolicy,
    *,
    exclude: frozenset[int] = frozenset(),
) -> Decision:
    """Decide who gets the lead (or why it waits), explaining every candidate."""
    run = _Run(StepContext(roster, inp, policy, LocalClock(inp.now)))
    tier_name = inp.lead.intent_tier or ""
    tier = policy.tiers.get(tier_name)
    if tier is not None and tier.action == "nurture":
        run.steps.append(f"tier {tier_name}: nurture")
        return run.decide("nurture", f"{tier_name}-intent leads go to nurture (tier rule)")
    failure = _gate(run, exclude)
    if failure is not None:
        return run.decide("queued", failure)
    walk = _Walk(run.eligible, policy.strategy)
    if tier is not None:
        _tier(run, walk, tier_name, tier)
    _steps(run, walk, policy)
    if walk.stop is None:
        pool_key = f"{walk.pool_name}:{walk.strategy.kind}"
        decision = _choose(run, walk.strategy, walk.pool, pool_key, fallback=False)
        if decision is not None:
            return decision
        walk.stop = ("fallback", f"{walk.strategy.kind}: nobody can be chosen")
    return _fallback(run, walk.stop)


@dataclass
class _Walk:
    """The pool as the policy narrows it, the strategy in force, and why it stopped early."""

    pool: Sequence[Producer]
    strategy: StrategySpec
    pool_name: str = "all"
    stop: tuple[str, str] | None = None  # (on_empty, what left nobody)


def _tier(run: _Run, walk: _Walk, name: str, tier: TierRule) -> None:
    if tier.pool is not None:
        kept, dropped = select(tier.pool, walk.pool, run.ctx)
        label = f"tier {name} → {tier.pool.describe()}: {len(kept)} of {len(walk.pool)} remain"
        why = f"not in the {name}-intent pool"
        narrowed = Narrowed(True, kept, dropped, why, label, f"tier {name}")
        walk.pool, walk.stop = _settle(run, f"tier {name}", tier.on_empty, walk.pool, narrowed)
        if kept:
            walk.pool_name = f"tier {name}"
    if tier.strategy is not None:
        walk.strategy = tier.strategy


def _steps(run: _Run, walk: _Walk, policy: RoutingPolicy) -> None:
    """The policy's steps in order, then availability and caps if the policy left them out."""
    final_by: str | None = None
    for step in policy.steps if walk.stop is None else ():
        if isinstance(step, AvailabilityStep | CapsStep):
            walk.pool = _hard(run, step, walk.pool)
            if not walk.pool:
                walk.stop = ("fallback", f"{step.name}: nobody left")
                return
            continue
        if final_by is not None:
            run.steps.append(f"{step.name}: not applied (after final step {final_by})")
            continue
        n = narrow(step, walk.pool, run.ctx)
        if not n.applies:
            run.steps.append(n.label)
            continue
        walk.pool, walk.stop = _settle(run, step.name, step.on_empty, walk.pool, n)
        if walk.stop is not None:
            return
        if n.kept:
            walk.pool_name = n.pool_name or walk.pool_name
            walk.strategy = n.strategy or walk.strategy
            if step.final:
                final_by = step.name
    listed = {type(step) for step in policy.steps}
    for hard in (policy.availability, policy.caps) if walk.stop is None else ():
        if type(hard) not in listed:
            walk.pool = _hard(run, hard, walk.pool, implicit=True)
            if not walk.pool:
                walk.stop = ("fallback", f"{hard.name}: nobody left")
                return


def eligible_producers(
    roster: RosterSnapshot,
    inp: RoutingInput,
    policy: RoutingPolicy,
    *,
    exclude: frozenset[int] = frozenset(),
) -> list[int]:
    """Ids of producers who pass the gate, availability and caps now (by id)."""
    run = _Run(StepContext(roster, inp, policy, LocalClock(inp.now)))
    if _gate(run, exclude) is not None:
        return []
    return [p.id for p in run.ctx.available(run.eligible)]


def _gate(run: _Run, exclude: frozenset[int]) -> str | None:
    """Fill ``run.eligible`` with the gated producers; a queue reason when there are none."""
    ctx = run.ctx
    lead, itype = ctx.inp.lead, ctx.inp.insurance_type
    today = local_date(ctx.inp.now, ctx.inp.agency_tz)
    if today is None:
        run.steps.append(f"gate: unknown agency time zone {ctx.inp.agency_tz!r}")
        return f"unknown agency time zone {ctx.inp.agency_tz!r}; nobody can be licensed-checked"
    result = ctx.roster.gate(lead.state, itype, today)
    if result.reason is not None:
        run.steps.append(f"gate: {result.reason}")
        return f"{result.reason}; no producer can be licensed for it"
    run.steps.append(
        gate_summary(len(result.passed), len(result.failed), result.unlicensed, lead.state, itype)
    )
    run.notes.considered = result.producers
    run.notes.cache = ctx.roster.note_cache
    run.notes.fixed = result.notes
    run.notes.memo = result.memo
    ctx.gate_refusals = result.refusals
    ctx.exclude = exclude
    if exclude and not exclude.isdisjoint(result.license_of):
        for producer in result.producers:
            if producer.id in exclude:
                run.notes.exclude(producer, "exclude", EXCLUDED)
            else:
                run.eligible.append(producer)
        run.steps.append(f"exclude: {len(run.eligible)} of {len(result.passed)} remain")
    else:
        run.eligible = list(result.producers)
        ctx.use_whole_pool(run.eligible, result.license_of, result.standings, result.splits)
    if not run.eligible:
        verdicts = [v for _, v in result.failed]
        return no_license_reason(
            verdicts, lead.state, itype, other=bool(result.passed), licensed=len(result.passed)
        )
    return None


def _settle(
    run: _Run, name: str, on_empty: str, pool: Sequence[Producer], n: Narrowed
) -> tuple[Sequence[Producer], tuple[str, str] | None]:
    """Apply a narrowing step's result, or what ``on_empty`` says when it leaves nobody."""
    if n.kept:
        run.notes.exclude_all(n.dropped, name, n.why)
        run.steps.append(n.label)
        return n.kept, None
    if on_empty == "skip":
        run.steps.append(f"{n.label}; nobody left, step skipped (on_empty: skip)")
        return pool, None
    run.notes.exclude_all(n.dropped, name, n.why)
    run.steps.append(f"{n.label}; nobody left (on_empty: {on_empty})")
    return [], (on_empty, n.label)


def _hard(
    run: _Run, step: AvailabilityStep | CapsStep, pool: Sequence[Producer], implicit: bool = False
) -> list[Producer]:
    ctx = run.ctx
    kept: list[Producer] = []
    if isinstance(step, AvailabilityStep):
        for p in pool:
            why = ctx.unavailable(p, step)
            if why is None:
                kept.append(p)
            else:
                run.notes.exclude(p, step.name, why)
    else:
        loads = ctx.inp.loads
        for p in pool:
            why = cap_reason(p, loads.get(p.id, ZERO_LOAD), step)
            if why is None:
                kept.append(p)
            else:
                run.notes.exclude(p, step.name, why)
    how = " (implicit)" if implicit else ""
    run.steps.append(f"{step.name}{how}: {len(kept)} of {len(pool)} remain")
    return kept


def _choose(
    run: _Run,
    spec: StrategySpec,
    pool: Sequence[Producer],
    key: str,
    *,
    fallback: bool,
    earlier: Mapping[int, str] | None = None,
    pool_loads: Sequence[ProducerLoad] | None = None,
) -> Decision | None:
    ctx = run.ctx
    choice: Pick = pick(
        spec,
        pool,
        itype=ctx.inp.insurance_type,
        loads=ctx.inp.loads,
        counts=ctx.inp.rotation.get(key, {}),
        learning=ctx.inp.learning,
        lead_id=ctx.inp.lead.id,
        pool_loads=pool_loads,
    )
    winner = choice.winner
    if winner is None:
        run.steps.append(f"strategy {choice.summary}")
        return None
    verdict = gate_for(ctx.roster, ctx.inp, winner)
    if not verdict.eligible:  # the index and the gate disagree: fail closed
        run.steps.append(f"gate re-check refused #{winner.id}: {verdict.reason}")
        return run.decide("queued", f"license re-check refused the winner: {verdict.reason}")
    run.steps.append(f"strategy {choice.summary} (pool {key}; tie-break: {TIE_RULES[spec.kind]})")
    return run.decide(
        "assigned",
        None,
        producer_id=winner.id,
        license_id=verdict.license_id,
        pool=key,
        strategy=spec.kind,
        tie_break=choice.tie_break,
        fallback=fallback,
        candidates=run.notes.freeze(choice, winner.id, spec.kind, earlier),
        propensity=choice.propensity,
    )


def _held_for_preferred(run: _Run, pool: Sequence[Producer]) -> str | None:
    """Why a queued lead waits for its preferred producers instead of going to the fallback
    ``pool`` (shifts started less than the policy's hold ago), or None."""
    hold = run.ctx.policy.fallback.hold_after_shift_start_minutes
    if hold <= 0 or run.ctx.inp.lead.status != LeadStatus.QUEUED:
        return None
    on_shift = [minutes_on_shift(p, run.ctx.clock) for p in pool]
    if any(m is None for m in on_shift):
        return None  # someone works without hours on file: no shift start to wait from
    longest = max(m for m in on_shift if m is not None)
    if longest >= hold:
        return None
    return (
        f"held for its preferred producers {hold - longest} more minute(s): the fallback "
        f"waits {hold} minutes after shifts start"
    )


def _fallback(run: _Run, stop: tuple[str, str]) -> Decision:
    ctx = run.ctx
    kind, label = stop
    if kind == "queue":
        return run.decide("queued", f"the policy says wait: {label}")
    if not ctx.policy.fallback.any_eligible:
        run.steps.append("fallback: off")
        return run.decide("queued", f"the policy found nobody ({label}) and fallback is off")
    pool, pool_loads = ctx.available_with_loads(run.eligible)
    if not pool:
        refusals = {p.id: r for p in run.eligible if (r := ctx.hard_refusal(p)) is not None}
        run.steps.append(f"fallback: none of {len(run.eligible)} licensed producer(s) available")
        return run.decide("queued", unavailable_reason_summary(refusals))
    held = _held_for_preferred(run, pool)
    if held is not None:
        run.steps.append(f"fallback: held ({held})")
        return run.decide("queued", f"the policy found nobody ({label}); {held}")
    run.steps.append(f"fallback: {len(pool)} eligible producer(s) after the policy found nobody")
    earlier = run.notes.reinstate(pool)
    spec = ctx.policy.fallback.strategy or ctx.policy.strategy
    key = f"fallback:{spec.kind}"
    decision = _choose(run, spec, pool, key, fallback=True, earlier=earlier, pool_loads=pool_loads)
    if decision is not None:
        return decision
    return run.decide("queued", f"the policy found nobody ({label}) and the fallback chose nobody")
