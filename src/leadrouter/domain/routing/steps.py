"""The policy steps: each narrows the pool of producers who passed the license gate."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from leadrouter.domain.compliance import GateVerdict, check_gate
from leadrouter.domain.model import Producer
from leadrouter.domain.routing.availability import (
    LocalClock,
    Standing,
    cap_reason,
    hours_reason,
    out_of_office_reason,
)
from leadrouter.domain.routing.model import ZERO_LOAD, ProducerLoad, RoutingInput
from leadrouter.domain.routing.policy import (
    AvailabilityStep,
    CapsStep,
    ExistingClientStep,
    LineStep,
    NarrowingStep,
    PoolSelector,
    RoutingPolicy,
    SegmentStep,
    StrategySpec,
    TerritoryStep,
)
from leadrouter.domain.routing.roster import RosterSnapshot

EXCLUDED = "excluded from this decision"


def gate_for(roster: RosterSnapshot, inp: RoutingInput, producer: Producer) -> GateVerdict:
    """The license gate for this lead and one producer of the roster, at the input's instant."""
    return check_gate(
        producer,
        roster.licenses_of.get(producer.id, ()),
        state=inp.lead.state,
        insurance_type=inp.insurance_type,
        now=inp.now,
        tz=inp.agency_tz,
    )


@dataclass
class StepContext:
    """One decision's inputs, plus what is computed at most once per decision."""

    roster: RosterSnapshot
    inp: RoutingInput
    policy: RoutingPolicy
    clock: LocalClock
    gate_refusals: Mapping[int, str] = field(default_factory=dict)
    exclude: frozenset[int] = frozenset()
    # The whole gated pool, and the memo of splits of exactly that pool (shared by decisions).
    whole_pool: Sequence[Producer] | None = None
    whole_ids: Mapping[int, int] = field(default_factory=dict)  # its producers' ids (as keys)
    whole_standings: Sequence[Standing] = ()  # what availability reads of each, in order
    splits: dict[tuple[Any, ...], tuple[tuple[Producer, ...], tuple[Producer, ...]]] = field(
        default_factory=dict
    )
    _lead_env: dict[str, Any] | None = field(default=None, init=False)
    availability: AvailabilityStep = field(init=False)
    caps: CapsStep = field(init=False)

    # The pools whose splits are memoized (by id; the pool itself guards against a reused
    # id) and the keys of the steps that made each from the whole gated pool.
    _memoized: dict[int, tuple[Sequence[Producer], tuple[Any, ...]]] = field(
        default_factory=dict, init=False
    )
    _hard: dict[int, str | None] = field(default_factory=dict, init=False)
    _hours: dict[int, str | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.availability = self.policy.availability
        self.caps = self.policy.caps

    def use_whole_pool(
        self,
        pool: Sequence[Producer],
        ids: Mapping[int, int],
        standings: Sequence[Standing],
        splits: dict[tuple[Any, ...], tuple[tuple[Producer, ...], tuple[Producer, ...]]],
    ) -> None:
        """The decision's pool is the whole gated pool: its indexes and memos apply."""
        self.whole_pool, self.whole_ids, self.whole_standings = pool, ids, standings
        self.splits = splits
        self._memoized[id(pool)] = (pool, ())

    def lead_env(self) -> dict[str, Any]:
        """The names a lead condition sees: ``lead.state``, ``state``, ``attributes.x`` ..."""
        if self._lead_env is None:
            lead, itype, client = self.inp.lead, self.inp.insurance_type, self.inp.client
            known = _as_dict(lead)
            known["business_line"] = itype.business_line if itype else None
            known["predicted_conversion"] = self.inp.predicted_conversion
            client_env = _as_dict(client) if client is not None else None
            self._lead_env = {
                **known,
                "lead": known,
                "attributes": lead.attributes,
                "client": client_env,
            }
        return self._lead_env

    def refusal_of(self, producer_id: int) -> str:
        """Why a producer outside the pool is not in it (gate, exclusion, or unknown)."""
        if producer_id in self.exclude:
            return EXCLUDED
        if producer_id in self.gate_refusals:
            return self.gate_refusals[producer_id]
        producer = self.roster.by_id.get(producer_id)
        if producer is None:
            return "not on the roster"
        return gate_for(self.roster, self.inp, producer).reason or "not eligible"

    def split(
        self,
        pool: Sequence[Producer],
        key: tuple[Any, ...],
        make: Callable[[Sequence[Producer]], tuple[Sequence[Producer], Sequence[Producer]]],
    ) -> tuple[Sequence[Producer], Sequence[Producer]]:
        """``make(pool)``: the pool's producers a step keeps, and the others. Memoized with
        the gate result when the pool is the whole gated pool or a memoized split of it (a
        line step after a territory step), by the keys of the steps that made it."""
        entry = self._memoized.get(id(pool))
        if entry is None or entry[0] is not pool:
            return make(pool)
        path = (*entry[1], key)
        split = self.splits.get(path)
        if split is None:
            kept, dropped = make(pool)
            split = self.splits[path] = (tuple(kept), tuple(dropped))
        if split[0]:
            self._memoized[id(split[0])] = (split[0], path)
        return split

    def member(self, pool: Sequence[Producer], producer_id: int) -> Producer | None:
        """The pool's producer with this id, or None (the whole gated pool by its index)."""
        if pool is self.whole_pool:
            return self.roster.by_id[producer_id] if producer_id in self.whole_ids else None
        return next((p for p in pool if p.id == producer_id), None)

    def hard_refusal(self, producer: Producer) -> str | None:
        """Why availability or caps refuse the producer right now, or None (memoized)."""
        memo, pid = self._hard, producer.id
        if pid in memo:
            return memo[pid]
        reason = self.unavailable(producer, self.availability)
        if reason is None:
            reason = cap_reason(producer, self.inp.loads.get(pid, ZERO_LOAD), self.caps)
        memo[pid] = reason
        return reason

    def unavailable(self, producer: Producer, spec: AvailabilityStep) -> str | None:
        """Why the producer can't take a lead right now by ``spec`` (out of office, off
        hours), or None; no hours on file means always at work."""
        if spec.out_of_office and producer.out_of_office:
            away = out_of_office_reason(producer, self.clock)
            if away is not None:
                return away
        if spec.working_hours and producer.working_hours:
            return self._off_hours(producer)
        return None

    def available(self, pool: Sequence[Producer]) -> list[Producer]:
        """The producers of the pool whose ``hard_refusal`` is None, in order; the same
        test without putting each refusal into words (the fallback looks at everyone)."""
        return self.available_with_loads(pool)[0]

    def available_with_loads(
        self, pool: Sequence[Producer]
    ) -> tuple[list[Producer], list[ProducerLoad]]:
        """``available``, with each kept producer's load beside it (the weighted score
        reads them next, so the fallback looks each one up once).

        It reads each producer's ``Standing`` (the whole gated pool's come with the gate
        result) and looks at working hours once per hours key. The memo of ``hard_refusal``
        is not consulted: it holds the answer this test gives."""
        if pool is self.whole_pool:
            rows = self.whole_standings
        else:
            standing = self.roster.standing
            rows = [standing[p.id] for p in pool]
        spec, caps = self.availability, self.caps
        away, hours, now, get = (
            spec.out_of_office,
            spec.working_hours,
            self.clock.now,
            self.inp.loads.get,
        )
        default_open, default_daily = caps.default_max_open, caps.default_max_daily
        off_by_key: dict[int, bool] = {}
        kept: list[Producer] = []
        kept_loads: list[ProducerLoad] = []
        for p, pid, hours_key, periods, max_open, max_daily in rows:
            if periods and away and any(x.contains(now) for x in periods):
                continue
            if hours_key >= 0 and hours:
                off = off_by_key.get(hours_key)
                if off is None:
                    off = off_by_key[hours_key] = self._off_hours(p) is not None
                if off:
                    continue
            load = get(pid, ZERO_LOAD)
            if max_open is None:
                max_open = default_open
            if max_open is not None and load.open_count >= max_open:
                continue
            if max_daily is None:
                max_daily = default_daily
            if max_daily is not None and load.new_today >= max_daily:
                continue
            kept.append(p)
            kept_loads.append(load)
        return kept, kept_loads

    def _off_hours(self, producer: Producer) -> str | None:
        """``hours_reason``, worked out once per decision for everyone with the same hours."""
        key = self.roster.hours_key[producer.id]
        if key in self._hours:
            return self._hours[key]
        reason = self._hours[key] = hours_reason(
            producer, self.roster.shifts[producer.id], self.clock
        )
        return reason


def _as_dict(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (attributes stay the same mapping)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass
class Narrowed:
    """What one step did: who stays, who goes and why, and how to say it."""

    applies: bool
    kept: Sequence[Producer]
    dropped: Sequence[Producer]
    why: str  # the one reason every dropped producer was dropped for
    label: str
    pool_name: str | None = None
    strategy: StrategySpec | None = None


def narrow(step: NarrowingStep, pool: Sequence[Producer], ctx: StepContext) -> Narrowed:
    """Apply one narrowing step to the pool."""
    if isinstance(step, ExistingClientStep):
        return existing_client(step, pool, ctx)
    if isinstance(step, TerritoryStep):
        return territory(step, pool, ctx)
    if isinstance(step, LineStep):
        return line(step, pool, ctx)
    return segment(step, pool, ctx)


def existing_client(
    step: ExistingClientStep, pool: Sequence[Producer], ctx: StepContext
) -> Narrowed:
    """The client's owner (or CSR) takes the lead, when eligible and available."""
    client = ctx.inp.client
    if client is None:
        return Narrowed(False, pool, [], "", f"{step.name}: not an existing client")
    why_not: list[str] = []
    for role in step.use:
        pid = client.owner_producer_id if role == "owner" else client.csr_producer_id
        title = "owner" if role == "owner" else "CSR"
        if pid is None:
            why_not.append(f"no {title} on file")
            continue
        producer = ctx.member(pool, pid)
        who = ctx.roster.by_id[pid].name if pid in ctx.roster.by_id else f"#{pid}"
        if producer is None:
            why_not.append(f"{title} {who}: {ctx.refusal_of(pid)}")
            continue
        refusal = ctx.hard_refusal(producer)
        if refusal is not None:
            why_not.append(f"{title} {who}: {refusal}")
            continue
        dropped = [p for p in pool if p.id != pid]
        label = f"{step.name}: {title} {who}"
        if why_not:
            label += f" ({'; '.join(why_not)})"
        return Narrowed(True, [producer], dropped, f"the client belongs to {who}", label, "client")
    return Narrowed(True, [], [], "", f"{step.name}: " + "; ".join(why_not))


def territory(step: TerritoryStep, pool: Sequence[Producer], ctx: StepContext) -> Narrowed:
    """Producers of the territory (pod or producer) that covers the lead's ZIP, county or state."""
    lead, itype = ctx.inp.lead, ctx.inp.insurance_type
    kind, found = ctx.roster.territory_index.match(
        zip_code=lead.zip,
        state=lead.state,
        county=lead.county,
        kinds=frozenset(step.match),
        business_line=itype.business_line if itype else None,
        type_code=itype.code if itype else None,
    )
    if not found:
        where = " / ".join(x for x in (lead.zip, lead.county, lead.state) if x) or "the lead"
        return Narrowed(True, [], [], "", f"{step.name}: no territory covers {where}")
    names = " + ".join(t.name for t in found)

    def members(pool: Sequence[Producer]) -> tuple[list[Producer], list[Producer]]:
        members = ctx.roster.members
        ids = frozenset().union(*(members.get(t.id, ()) for t in found))
        kept = [p for p in pool if p.id in ids]
        return kept, _rest(pool, kept)

    kept, dropped = ctx.split(pool, ("territory", *(t.id for t in found)), members)
    label = f"{step.name} {names} (by {kind}): {len(kept)} of {len(pool)} remain"
    return Narrowed(True, kept, dropped, f"not in territory {names}", label, f"territory {names}")


def line(step: LineStep, pool: Sequence[Producer], ctx: StepContext) -> Narrowed:
    """Producers who specialize in the lead's line of business (or insurance type)."""
    itype = ctx.inp.insurance_type
    if itype is None:
        return Narrowed(False, pool, [], "", f"{step.name}: unknown insurance type")
    wanted = {itype.code, itype.business_line}
    generalists = step.include_generalists

    def specialists(pool: Sequence[Producer]) -> tuple[list[Producer], list[Producer]]:
        kept = [
            p
            for p in pool
            if not wanted.isdisjoint(p.business_lines) or (generalists and not p.business_lines)
        ]
        return kept, _rest(pool, kept)

    key = ("line", itype.code, itype.business_line, generalists)
    kept, dropped = ctx.split(pool, key, specialists)
    reason = f"does not specialize in {itype.business_line} lines"
    label = f"{step.name} {itype.business_line}: {len(kept)} of {len(pool)} remain"
    return Narrowed(True, kept, dropped, reason, label, f"line {itype.business_line}")


def _rest(pool: Sequence[Producer], kept: Sequence[Producer]) -> list[Producer]:
    """The pool without ``kept`` (a subsequence of it), in order."""
    if len(kept) == len(pool):
        return []
    out = set(map(id, kept))
    return [p for p in pool if id(p) not in out]


def segment(step: SegmentStep, pool: Sequence[Producer], ctx: StepContext) -> Narrowed:
    """When the lead meets the condition, only the segment's producers remain."""
    if not step.when.test(ctx.lead_env()):
        return Narrowed(False, pool, [], "", f"{step.name}: condition not met ({step.when.source})")
    kept, dropped = select(step.to, pool, ctx)
    target = step.to.describe()
    why = f"not in {target} ({step.name})"
    label = f"{step.name} ({step.when.source}) → {target}: {len(kept)} of {len(pool)} remain"
    return Narrowed(True, kept, dropped, why, label, f"segment {step.name}", step.strategy)


def select(
    selector: PoolSelector, pool: Sequence[Producer], ctx: StepContext
) -> tuple[list[Producer], list[Producer]]:
    """Split the pool into the producers the selector names and the others."""
    kept: list[Producer] = []
    dropped: list[Producer] = []
    listed = bool(selector.producers or selector.teams)
    envs = ctx.roster.envs
    for p in pool:
        ok = not listed or p.id in selector.producers or p.team in selector.teams
        if ok and selector.where is not None:
            ok = selector.where.test(envs[p.id])
        if ok:
            kept.append(p)
        else:
            dropped.append(p)
    return kept, dropped
