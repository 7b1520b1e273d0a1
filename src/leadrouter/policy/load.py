"""Reading a policy document (YAML or JSON) and turning it into the engine's policy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from importlib.resources import files
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from leadrouter.domain import routing as r
from leadrouter.domain.expr import parse
from leadrouter.domain.insurance import DEFAULT_TYPES, InsuranceType
from leadrouter.domain.lint import LintFinding, lint_policy
from leadrouter.domain.routing.policy import Step
from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.jsondepth import JsonDepth
from leadrouter.policy import schema as s

MAX_DOCUMENT_BYTES = 512 * 1024
# Far deeper than any real policy (about 8 levels); the parsers recurse per level, so a
# deeper document is refused before it can exhaust the stack.
MAX_DOCUMENT_DEPTH = 32
_TOO_DEEP = f"nests deeper than {MAX_DOCUMENT_DEPTH} levels"
Format = Literal["yaml", "json"]
_TAGS = frozenset(s.STEP_TYPES) | frozenset(s.STRATEGY_TYPES)


def parse_policy(text: str, fmt: Format | None = None) -> s.PolicyDocument:
    """Validate a policy document; ValidationFailed names each bad field and why."""
    if len(text.encode()) > MAX_DOCUMENT_BYTES:
        _fail("document", f"larger than {MAX_DOCUMENT_BYTES // 1024} KiB")
    if fmt is None:
        fmt = "json" if text.lstrip().startswith("{") else "yaml"
    data = _read_json(text) if fmt == "json" else _read_yaml(text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        _fail("document", "the document must be a mapping (name, routing, timing)")
    try:
        return s.PolicyDocument.model_validate(data)
    except ValidationError as e:
        errors = [FieldError(_path(err["loc"]), _reason(err)) for err in e.errors()]
        raise ValidationFailed("the policy document is invalid", errors) from None


def default_policy_text() -> str:
    """The YAML of the policy leadrouter ships with."""
    return files("leadrouter.policy").joinpath("default.yaml").read_text(encoding="utf-8")


def default_policy() -> s.PolicyDocument:
    """The policy leadrouter ships with, validated."""
    return parse_policy(default_policy_text(), "yaml")


def dump_policy(doc: s.PolicyDocument, fmt: Format = "yaml") -> str:
    """The document as YAML or JSON text that ``parse_policy`` reads back."""
    data = _type_first(doc.model_dump(mode="json", exclude_none=True))
    if fmt == "json":
        return json.dumps(data, indent=2, sort_keys=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _type_first(value: Any) -> Any:
    """Put ``type`` first in each step and strategy, so a dump reads like a hand-written one."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0] != "type")
        return {k: _type_first(v) for k, v in items}
    if isinstance(value, list):
        return [_type_first(v) for v in value]
    return value


def lint_document(
    doc: s.PolicyDocument,
    roster: r.RosterSnapshot,
    *,
    now: datetime,
    tz: str,
    types: Mapping[str, InsuranceType] = DEFAULT_TYPES,
) -> list[LintFinding]:
    """Lint a document against a roster and insurance types (see ``leadrouter.domain.lint``)."""
    return lint_policy(to_routing_policy(doc), roster, now, tz, types)


def to_routing_policy(doc: s.PolicyDocument) -> r.RoutingPolicy:
    """The engine's dataclasses for a validated document, expressions parsed."""
    routing = doc.routing
    names: set[str] = set()
    steps = tuple(_step(step, _unique(step.name or step.type, names)) for step in routing.steps)
    tiers: dict[str, r.TierRule] = {
        tier: r.TierRule(
            action=rule.action,
            pool=_pool(rule.pool),
            strategy=_strategy(rule.strategy),
            on_empty=rule.on_empty,
        )
        for tier, rule in routing.tiers.items()
    }
    coverage = routing.coverage
    return r.RoutingPolicy(
        version=doc.version,
        name=doc.name,
        steps=steps,
        strategy=_strategy(routing.strategy) or r.StrategySpec(),
        tiers=tiers,
        fallback=r.FallbackSpec(
            any_eligible=routing.fallback.any_eligible,
            strategy=_strategy(routing.fallback.strategy),
            hold_after_shift_start_minutes=routing.fallback.hold_after_shift_start_minutes,
        ),
        coverage_states=frozenset(coverage.states) if coverage.states is not None else None,
        coverage_types=tuple(coverage.insurance_types)
        if coverage.insurance_types is not None
        else None,
    )


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def _step(step: Any, name: str) -> Step:
    if isinstance(step, s.ExistingClient):
        return r.ExistingClientStep(name, tuple(step.use), step.on_empty, step.final)
    if isinstance(step, s.TerritoryMatch):
        return r.TerritoryStep(name, frozenset(step.match), step.on_empty, step.final)
    if isinstance(step, s.LineMatch):
        return r.LineStep(name, step.include_generalists, step.on_empty, step.final)
    if isinstance(step, s.Segment):
        to = _pool(step.to)
        assert to is not None
        return r.SegmentStep(
            parse(step.when), to, name, _strategy(step.strategy), step.on_empty, step.final
        )
    if isinstance(step, s.Availability):
        return r.AvailabilityStep(name, step.working_hours, step.out_of_office)
    assert isinstance(step, s.Caps)
    return r.CapsStep(name, step.default_max_open, step.default_max_daily)


def _pool(pool: s.Pool | None) -> r.PoolSelector | None:
    if pool is None:
        return None
    return r.PoolSelector(
        producers=frozenset(pool.producers),
        teams=frozenset(pool.teams),
        where=parse(pool.where) if pool.where else None,
    )


def _strategy(spec: Any) -> r.StrategySpec | None:
    if spec is None:
        return None
    if isinstance(spec, s.WeightedScore):
        return r.StrategySpec(
            "weighted_score",
            score_weights=spec.weights.model_dump(),
            capacity_reference=spec.capacity_reference,
        )
    if isinstance(spec, s.Optimizer):
        return r.StrategySpec(
            "optimizer",
            optimizer=r.OptimizerSpec(
                objective=spec.objective,
                exploration=spec.exploration,
                capacity_price=spec.capacity_price,
                period=spec.fairness.period,
                min_share=spec.fairness.min_share,
                max_share=spec.fairness.max_share,
                window_days=spec.window_days,
                contact_curve=r.OptimizerSpec.contact_curve if spec.speed_to_lead else (),
                contact_rate=spec.contact_rate,
                handle_minutes=spec.handle_minutes,
            ),
        )
    if isinstance(spec, s.WeightedRoundRobin):
        return r.StrategySpec("weighted_round_robin", producer_weights=dict(spec.weights))
    return r.StrategySpec(spec.type)


def _read_json(text: str) -> Any:
    if JsonDepth().feed(text.encode()) > MAX_DOCUMENT_DEPTH:
        _fail("document", _TOO_DEEP)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        _fail("document", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}")


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without aliases (no expansion bombs) and without duplicate keys."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", mark)
        self.depth += 1
        try:
            if self.depth > MAX_DOCUMENT_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, _TOO_DEEP, mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        _fail("document", f"invalid YAML{where}: {problem}")


def _fail(field: str, reason: str) -> Any:
    raise ValidationFailed("the policy document is invalid", [FieldError(field, reason)])


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for i, part in enumerate(loc):
        prev = loc[i - 1] if i else None
        if (
            isinstance(part, str)
            and part in _TAGS
            and (isinstance(prev, int) or prev in ("strategy",))
        ):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


def _reason(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
