"""Explanations: who was considered, what excluded each and why, in a producer's words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from leadrouter.domain.compliance import GateVerdict, normalize_state
from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.model import Producer
from leadrouter.domain.routing.model import CandidateNote, Decision
from leadrouter.domain.routing.strategies import Pick

_GATE_CODES = {
    "pending": "pending verification",
    "expired": "expired",
    "not_yet_effective": "not yet in force",
    "lines": "without the needed lines of authority",
    "not_active": "suspended, revoked or inactive",
    "inactive": "held by an inactive producer",
}


NOTE_CACHE_LIMIT = 100_000


class Notes:
    """The exclusions of one decision, first step wins; turned into candidate notes at the end.

    ``considered`` are the producers who passed the gate (by id); ``fixed`` are the ready-made
    notes of those the gate refused, shared by every decision on the same state, type and day.
    """

    def __init__(self) -> None:
        self.considered: Sequence[Producer] = ()
        self.fixed: tuple[CandidateNote, ...] = ()
        self.excluded: dict[int, tuple[str, str]] = {}
        self.cache: dict[tuple[int, str, str], CandidateNote] = {}  # shared, notes are immutable

    def exclude(self, producer: Producer, step: str, reason: str) -> None:
        """Record the first step that excluded a producer."""
        if producer.id not in self.excluded:
            self.excluded[producer.id] = (step, reason)

    def reinstate(self, producer_id: int) -> tuple[str, str] | None:
        """Take an exclusion back (the fallback reconsiders); returns what it was."""
        return self.excluded.pop(producer_id, None)

    def rows(
        self,
        choice: Pick | None,
        winner_id: int | None,
        strategy: str | None,
        earlier: Mapping[int, str] | None = None,
    ) -> tuple[CandidateNote, ...]:
        """One note per producer who passed the gate, by id; then those the gate refused."""
        notes: list[CandidateNote] = []
        excluded, cache = self.excluded, self.cache
        scores = choice.scores if choice is not None else {}
        parts = choice.parts if choice is not None else {}
        refused = choice.refused if choice is not None else {}
        for p in self.considered:
            pid = p.id
            if pid in excluded:
                step, why = excluded[pid]
                key = (pid, step, why)
                note = cache.get(key)
                if note is None:
                    if len(cache) >= NOTE_CACHE_LIMIT:
                        cache.clear()
                    note = cache[key] = CandidateNote(pid, p.name, step, why)
                notes.append(note)
            elif pid in refused:
                notes.append(CandidateNote(pid, p.name, "strategy", refused[pid]))
            else:
                reason: str | None = f"chosen by {strategy}" if pid == winner_id else None
                if earlier and pid in earlier:
                    reason = f"{reason or 'fallback candidate'}; policy: {earlier[pid]}"
                notes.append(
                    CandidateNote(pid, p.name, None, reason, scores.get(pid), parts.get(pid))
                )
        return (*notes, *self.fixed)


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
    failed: Iterable[GateVerdict], state: str | None, itype: InsuranceType | None, *, other: bool
) -> str:
    """Why nobody passed the gate, e.g. "no producer holds an active TX license for Life"."""
    code = normalize_state(state) or state or "?"
    label = itype.label if itype else "?"
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


def decision_document(decision: Decision) -> dict[str, Any]:
    """The decision as plain JSON values (the audit record and the API body).

    Written out by hand: ``dataclasses.asdict`` deep-copies every note and was the largest
    single cost of a routing decision.
    """
    return {
        "outcome": decision.outcome,
        "producer_id": decision.producer_id,
        "license_id": decision.license_id,
        "pool": decision.pool,
        "strategy": decision.strategy,
        "reason": decision.reason,
        "steps": list(decision.steps),
        "candidates": [
            {
                "producer_id": c.producer_id,
                "name": c.name,
                "excluded_by": c.excluded_by,
                "reason": c.reason,
                "score": c.score,
                "score_parts": dict(c.score_parts) if c.score_parts is not None else None,
            }
            for c in decision.candidates
        ],
        "policy_version": decision.policy_version,
        "tie_break": decision.tie_break,
        "fallback": decision.fallback,
        "propensity": decision.propensity,
    }
