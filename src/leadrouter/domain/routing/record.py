"""The decision as a document: compact for the audit record, expanded again for readers.

At thousands of producers most candidates are excluded by a few steps for a few reasons,
so the stored record lists them by (step, reason) with their ids; the gate's refusals,
whose reasons differ only by the license number, share one reason text with a
``{license}`` slot. Candidates no step excluded (scored, chosen, refused by the strategy)
keep their own note, with score parts in the order of ``score_keys``. Names are left out
of the record (ids are the facts) and come back from the roster on reading.
``expand_explanation(decision_document(d), names)`` equals
``decision_document(d, compact=False)`` for every decision ``d``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from leadrouter.domain.routing.model import CandidateNote, Decision
from leadrouter.domain.routing.notes import CandidateNotes

SLOT = "{license}"
_LICENSE = re.compile(r"^(\S+ license )(\S+)( .+)$")


def decision_document(decision: Decision, *, compact: bool = True) -> dict[str, Any]:
    """The decision as plain JSON values: the stored audit record (compact) or an API body.

    Written out by hand: ``dataclasses.asdict`` deep-copies every note.
    """
    doc: dict[str, Any] = {
        "outcome": decision.outcome,
        "producer_id": decision.producer_id,
        "license_id": decision.license_id,
        "pool": decision.pool,
        "strategy": decision.strategy,
        "reason": decision.reason,
        "steps": list(decision.steps),
        "candidates": [],
        "policy_version": decision.policy_version,
        "tie_break": decision.tie_break,
        "fallback": decision.fallback,
        "propensity": decision.propensity,
    }
    cands = decision.candidates
    if not compact:
        doc["candidates"] = [_full(c) for c in cands]
        return doc
    if isinstance(cands, CandidateNotes):
        included, steps = cands.included(), cands.step_groups()
        if any(step == "gate" for step, _, _ in steps):  # a step called "gate": one pass
            excluded = _excluded([*steps, *cands.refused_groups()])
        else:  # the gate's refusals read alike for a state, type and day: written once
            refused = cands.shared("refused, compact", lambda: _excluded(cands.refused_groups()))
            excluded = _excluded(steps) + [_copy(group) for group in refused]
    else:
        included = [c for c in cands if c.excluded_by is None]
        excluded = _excluded(_grouped(c for c in cands if c.excluded_by is not None))
    keys = _score_keys(included)
    if keys:
        doc["score_keys"] = keys
    doc["candidates"] = [_compact(c, keys) for c in included]
    doc["excluded"] = excluded
    return doc


def _copy(group: dict[str, Any]) -> dict[str, Any]:
    """A shared group of the record as a new one (its lists copied), for one document."""
    return {k: list(v) if isinstance(v, list) else v for k, v in group.items()}


def _full(c: CandidateNote) -> dict[str, Any]:
    return {
        "producer_id": c.producer_id,
        "name": c.name,
        "excluded_by": c.excluded_by,
        "reason": c.reason,
        "score": c.score,
        "score_parts": dict(c.score_parts) if c.score_parts is not None else None,
    }


def _score_keys(notes: Sequence[CandidateNote]) -> list[str] | None:
    """The parts' names when every scored note has the same parts in the same order."""
    orders = {tuple(c.score_parts) for c in notes if c.score_parts is not None}
    return list(next(iter(orders))) if len(orders) == 1 else None


def _compact(c: CandidateNote, keys: list[str] | None) -> dict[str, Any]:
    note: dict[str, Any] = {"producer_id": c.producer_id}
    if c.excluded_by is not None:
        note["excluded_by"] = c.excluded_by
    if c.reason is not None:
        note["reason"] = c.reason
    if c.score is not None:
        note["score"] = c.score
    if c.score_parts is not None:
        parts = c.score_parts
        note["score_parts"] = [parts[k] for k in keys] if keys else dict(parts)
    return note


def _grouped(notes: Iterable[CandidateNote]) -> list[tuple[str, str, list[int]]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for c in notes:
        groups.setdefault((c.excluded_by or "", c.reason or ""), []).append(c.producer_id)
    return [(step, reason, ids) for (step, reason), ids in groups.items()]


def _excluded(groups: Iterable[tuple[str, str, list[int]]]) -> list[dict[str, Any]]:
    """The groups; the gate's refusals of one kind share a reason with a license slot."""
    out: list[dict[str, Any]] = []
    slotted: dict[str, dict[str, Any]] = {}
    for step, reason, ids in groups:
        m = _LICENSE.match(reason) if step == "gate" and SLOT not in reason else None
        if m is None:
            out.append({"excluded_by": step, "reason": reason, "producer_ids": ids})
            continue
        template = m[1] + SLOT + m[3]
        group = slotted.get(template)
        if group is None:
            group = {"excluded_by": step, "reason": template, "producer_ids": [], "licenses": []}
            slotted[template] = group
            out.append(group)
        group["producer_ids"] += ids
        group["licenses"] += [m[2]] * len(ids)
    return out


def unnamed_ids(explanation: Mapping[str, Any]) -> set[int]:
    """The producers a compact explanation names by id only (none in a full one)."""
    if "excluded" not in explanation:
        return set()
    ids = {int(c["producer_id"]) for c in explanation["candidates"]}
    return ids | {pid for g in explanation["excluded"] for pid in g["producer_ids"]}


def expand_explanation(explanation: Mapping[str, Any], names: Mapping[int, str]) -> dict[str, Any]:
    """A stored explanation with one full note per candidate, as the API shows it.

    ``names`` gives each producer's name. Notes come in the order ``route`` lists them: by
    producer id, the gate's refusals last. Explanations stored before the compact form
    already list every note in full and come back unchanged.
    """
    if "excluded" not in explanation:
        return dict(explanation)
    out = {k: v for k, v in explanation.items() if k not in ("excluded", "score_keys")}
    keys = explanation.get("score_keys")
    notes = []
    for c in explanation["candidates"]:
        parts = c.get("score_parts")
        if isinstance(parts, list) and keys:
            parts = dict(zip(keys, parts, strict=True))
        pid = c["producer_id"]
        notes.append(
            _note(pid, names, c.get("excluded_by"), c.get("reason"), c.get("score"), parts)
        )
    for g in explanation["excluded"]:
        step, reason, licenses = g["excluded_by"], g["reason"], g.get("licenses")
        for i, pid in enumerate(g["producer_ids"]):
            why = reason.replace(SLOT, licenses[i]) if licenses is not None else reason
            notes.append(_note(pid, names, step, why, None, None))
    notes.sort(key=lambda n: (n["excluded_by"] == "gate", n["producer_id"]))
    out["candidates"] = notes
    return out


def _note(
    pid: int,
    names: Mapping[int, str],
    step: str | None,
    reason: str | None,
    score: float | None,
    parts: Mapping[str, float] | None,
) -> dict[str, Any]:
    return {
        "producer_id": pid,
        "name": names.get(pid, f"#{pid}"),
        "excluded_by": step,
        "reason": reason,
        "score": score,
        "score_parts": parts,
    }
