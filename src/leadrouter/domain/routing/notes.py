"""Candidate notes: every producer's fate in one decision, recorded in bulk, built on demand.

A step excludes many producers for one reason (a territory drops hundreds at once), so
exclusions are kept as groups ``(step, reason, producers)``. The per-producer notes of
``Decision.candidates`` are built only when someone reads them; the stored explanation
is written from the groups directly (see ``explain.decision_document``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any, TypeVar, cast, overload

from leadrouter.domain.model import Producer
from leadrouter.domain.routing.model import CandidateNote
from leadrouter.domain.routing.strategies import Pick

NOTE_CACHE_LIMIT = 100_000
_ID = attrgetter("id")
Group = tuple[str, str, Sequence[Producer]]  # step, reason, the producers it excluded
T = TypeVar("T")


class Notes:
    """The exclusions of one decision, first step wins; frozen into ``CandidateNotes``.

    ``considered`` are the producers who passed the gate (by id); ``fixed`` are the ready-made
    notes of those the gate refused, shared by every decision on the same state, type and day.
    """

    def __init__(self) -> None:
        self.considered: Sequence[Producer] = ()
        self.fixed: tuple[CandidateNote, ...] = ()
        self.groups: list[Group] = []
        self.reinstated: set[int] = set()
        self.cache: dict[tuple[int, str, str], CandidateNote] = {}  # shared, notes are immutable
        # Values made from ``fixed`` alone, shared with every decision on the same gate result.
        self.memo: dict[str, Any] = {}

    def exclude(self, producer: Producer, step: str, reason: str) -> None:
        """Record the step that excluded one producer."""
        self.groups.append((step, reason, (producer,)))

    def exclude_all(self, producers: Sequence[Producer], step: str, reason: str) -> None:
        """Record that one step excluded all of ``producers`` for the same reason."""
        if producers:
            self.groups.append((step, reason, producers))

    def reinstate(self, producers: Sequence[Producer]) -> Earlier:
        """Take exclusions back (the fallback reconsiders); what each one was, as text."""
        before = set(self.reinstated)
        out: set[int] = set()
        for _, _, excluded in self.groups:
            out.update(map(_ID, excluded))
        out -= before
        back = list(filter(out.__contains__, map(_ID, producers)))
        self.reinstated.update(back)
        return Earlier(list(self.groups), before, back)

    def freeze(
        self,
        choice: Pick | None = None,
        winner_id: int | None = None,
        strategy: str | None = None,
        earlier: Mapping[int, str] | None = None,
    ) -> CandidateNotes:
        """The candidates of the decision, as they stand now."""
        frozen = Notes()
        frozen.considered, frozen.fixed, frozen.cache = self.considered, self.fixed, self.cache
        frozen.memo = self.memo
        frozen.groups, frozen.reinstated = list(self.groups), set(self.reinstated)
        return CandidateNotes(frozen, choice, winner_id, strategy, earlier or {})


def excluded_by_id(groups: Sequence[Group], reinstated: set[int]) -> dict[int, tuple[str, str]]:
    """Each excluded producer's (step, reason), the first step that excluded it winning."""
    out: dict[int, tuple[str, str]] = {}
    for step, reason, producers in groups:
        entry = (step, reason)
        for p in producers:
            if p.id not in out and p.id not in reinstated:
                out[p.id] = entry
    return out


class Earlier(Mapping[int, str]):
    """What had excluded each producer the fallback took back ("step: reason"), by id.

    The text is written when first read (the explanation reads it; choosing does not).
    """

    __slots__ = ("_back", "_excluded", "_groups", "_ids", "_skip")

    def __init__(self, groups: Sequence[Group], skip: set[int], back: Sequence[int]) -> None:
        self._groups = groups
        self._skip = skip  # taken back before: an earlier exclusion no longer counts
        self._back = back
        self._ids = frozenset(back)
        self._excluded: dict[int, tuple[str, str]] | None = None

    def __getitem__(self, producer_id: int) -> str:
        if producer_id not in self._ids:
            raise KeyError(producer_id)
        if self._excluded is None:
            self._excluded = excluded_by_id(self._groups, self._skip)
        step, reason = self._excluded[producer_id]
        return f"{step}: {reason}"

    def __contains__(self, producer_id: object) -> bool:
        return producer_id in self._ids

    def __iter__(self) -> Iterator[int]:
        return iter(self._back)

    def __len__(self) -> int:
        return len(self._back)


class CandidateNotes(Sequence[CandidateNote]):
    """One note per producer who passed the gate (by id), then those the gate refused.

    Behaves as a tuple of ``CandidateNote``; the notes are built on first access.
    """

    __slots__ = (
        "_choice",
        "_earlier",
        "_included_notes",
        "_notes",
        "_source",
        "_strategy",
        "_winner",
    )

    def __init__(
        self,
        source: Notes,
        choice: Pick | None,
        winner_id: int | None,
        strategy: str | None,
        earlier: Mapping[int, str],
    ) -> None:
        self._notes: tuple[CandidateNote, ...] | None = None
        # The notes of those no step excluded, by id: built once, for ``included`` (the
        # stored record) and for the whole tuple alike.
        self._included_notes: dict[int, CandidateNote] | None = None
        self._source = source
        self._choice = choice
        self._winner = winner_id
        self._strategy = strategy
        self._earlier = earlier

    def included(self) -> list[CandidateNote]:
        """The notes of producers no step excluded (scored, chosen, or refused by strategy)."""
        return list(self._included_by_id().values())

    def _included_by_id(self) -> dict[int, CandidateNote]:
        if self._included_notes is None:
            src = self._source
            out_ids = set().union(*(map(_ID, ps) for _, _, ps in src.groups)) - src.reinstated
            self._included_notes = {
                p.id: self._included(p) for p in src.considered if p.id not in out_ids
            }
        return self._included_notes

    def excluded_groups(self) -> list[tuple[str, str, list[int]]]:
        """Every exclusion as (step, reason, producer ids), the gate's refusals last."""
        return [*self.step_groups(), *self.refused_groups()]

    def step_groups(self) -> list[tuple[str, str, list[int]]]:
        """The exclusions by the steps (not the gate) as (step, reason, producer ids)."""
        src = self._source
        seen: set[int] = set(src.reinstated)
        by_reason: dict[tuple[str, str], list[int]] = {}
        for step, reason, producers in src.groups:
            ids = list(map(_ID, producers))
            if not seen.isdisjoint(ids):  # an earlier step (or the fallback) has some of them
                ids = [pid for pid in ids if pid not in seen]
            seen.update(ids)
            if ids:
                by_reason.setdefault((step, reason), []).extend(ids)
        return [(step, why, ids) for (step, why), ids in by_reason.items()]

    def refused_groups(self) -> list[tuple[str, str, list[int]]]:
        """The gate's refusals as (step, reason, producer ids): the same for every decision
        on one state, insurance type and day, so grouped once for all of them (read only)."""
        return self.shared("refused groups", self._group_refused)

    def shared(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, a value that depends on the gate's refusals alone, made once per
        state, insurance type and day and shared by their decisions: never change it."""
        memo = self._source.memo
        if key not in memo:
            memo[key] = make()
        return cast(T, memo[key])

    def _group_refused(self) -> list[tuple[str, str, list[int]]]:
        refused: dict[tuple[str, str], list[int]] = {}
        for note in self._source.fixed:
            key = (note.excluded_by or "gate", note.reason or "")
            refused.setdefault(key, []).append(note.producer_id)
        return [(step, why, ids) for (step, why), ids in refused.items()]

    def _included(self, p: Producer) -> CandidateNote:
        choice = self._choice
        if choice is not None and p.id in choice.refused:
            return CandidateNote(p.id, p.name, "strategy", choice.refused[p.id])
        reason: str | None = f"chosen by {self._strategy}" if p.id == self._winner else None
        if p.id in self._earlier:
            reason = f"{reason or 'fallback candidate'}; policy: {self._earlier[p.id]}"
        if choice is None:
            return CandidateNote(p.id, p.name, None, reason)
        return CandidateNote(
            p.id, p.name, None, reason, choice.scores.get(p.id), choice.parts.get(p.id)
        )

    def _build(self) -> tuple[CandidateNote, ...]:
        src = self._source
        excluded = excluded_by_id(src.groups, src.reinstated)
        included = self._included_by_id()
        cache = src.cache
        notes: list[CandidateNote] = []
        for p in src.considered:
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
            else:
                notes.append(included[pid])
        return (*notes, *src.fixed)

    def _all(self) -> tuple[CandidateNote, ...]:
        if self._notes is None:
            self._notes = self._build()
        return self._notes

    @overload
    def __getitem__(self, i: int) -> CandidateNote: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[CandidateNote]: ...
    def __getitem__(self, i: int | slice) -> CandidateNote | Sequence[CandidateNote]:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[CandidateNote]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())
