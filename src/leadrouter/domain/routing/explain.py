"""Explanations: who was considered, what excluded each and why, in a producer's words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from leadrouter.domain.compliance import GateVerdict, normalize_state
from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.routing.model import Decision

_GATE_CODES = {
    "pending": "pending verification",
    "expired": "expired",
    "not_yet_effective": "not yet in force",
    "lines": "without the needed lines of authority",
    "not_active": "suspended, revoked or inactive",
    "inactive": "held by an inactive producer",
}


def gate_summary(
    passed: int, failed: int, unlicensed: int, state: str | None, itype: InsuranceType | None
) -> str:
    """The gate's line of the explanation."""
    code = normalize_state(state) or state or "?"
    label = itype.label if itype else "?"
    text = f"gate: {passed} producer(s) hold an active {code} license for {label}"
    if failed:
        text += f"; {failed} licensed in {code} but refused"
    if unlicensed:
        text += f"; {unlicensed:,} hold no license in {code}"
    return text


def no_license_reason(
    failed: Iterable[GateVerdict],
    state: str | None,
    itype: InsuranceType | None,
    *,
    other: bool,
    licensed: int = 0,
) -> str:
    """Why nobody passed the gate, e.g. "no producer holds an active TX license for Life";
    with ``other``, the ``licensed`` producers who passed it were all excluded (they already
    had the lead: declined it, let the offer lapse or were reassigned from it)."""
    code = normalize_state(state) or state or "?"
    label = itype.label if itype else "?"
    if other and licensed > 1:
        return (
            f"all {licensed} producers holding an active {code} license for {label} "
            "already had this lead (declined, let the offer lapse or were reassigned from it)"
        )
    who = "no other producer" if other else "no producer"
    text = f"{who} holds an active {code} license for {label}"
    counts = Counter(v.code for v in failed if v.code in _GATE_CODES)
    if counts:
        parts = ", ".join(f"{n} {_GATE_CODES[c]}" for c, n in sorted(counts.items()))
        text += f" (licenses on file: {parts})"
    return text


def unavailable_reason_summary(refusals: Mapping[int, str]) -> str:
    """Why none of the licensed producers can take the lead now, e.g. all at capacity."""
    kinds = Counter(_kind(r) for r in refusals.values())
    n = len(refusals)
    noun = "producer is" if n == 1 else "producers are"
    if len(kinds) == 1:
        (kind,) = kinds
        every = "the only licensed" if n == 1 else f"all {n} licensed"
        return f"{every} {noun} {kind}"
    parts = ", ".join(f"{c} {k}" for k, c in kinds.most_common())
    return f"none of the {n} licensed producers is available: {parts}"


def _kind(reason: str) -> str:
    if reason.startswith("at cap"):
        return "at capacity"
    if reason.startswith("out of office"):
        return "out of office"
    if reason.startswith("outside working hours"):
        return "outside working hours"
    return "unavailable"


def render(decision: Decision) -> str:
    """The decision as plain text, for a terminal or a log."""
    lines = [f"policy version {decision.policy_version}: {decision.outcome}"]
    if decision.producer_id is not None:
        lines[0] += f" to #{decision.producer_id} (license #{decision.license_id})"
    if decision.reason:
        lines.append(f"reason: {decision.reason}")
    lines += [f"  step: {s}" for s in decision.steps]
    if decision.tie_break:
        lines.append(f"  tie-break: {decision.tie_break}")
    for note in decision.candidates:
        mark = "*" if note.producer_id == decision.producer_id else " "
        what = (
            f"excluded by {note.excluded_by}: {note.reason}"
            if note.excluded_by
            else (note.reason or "")
        )
        score = f" score {note.score:g}" if note.score is not None else ""
        lines.append(f" {mark} #{note.producer_id} {note.name}{score} {what}".rstrip())
    return "\n".join(lines)
