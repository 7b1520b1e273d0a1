"""A roster snapshot: producers, licenses and territories with the indexes a decision needs.

Build one per roster version and reuse it across decisions: a decision then looks at the
producers licensed in the lead's state only. The gate's answer per (state, insurance
type, agency day) is memoized in the snapshot; any roster or license change means a new
snapshot, and a new day means a new key, so a license that lapses at midnight stops
counting at the very next decision. A snapshot is safe to share between threads: its
memos only ever gain ready-made, immutable entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from leadrouter.domain.compliance import GateVerdict, gate_on, normalize_state
from leadrouter.domain.insurance import InsuranceType, Requirement, covers
from leadrouter.domain.model import License, LicenseStatus, Producer, Territory
from leadrouter.domain.routing.availability import Shifts, Standing, shifts_by_weekday
from leadrouter.domain.routing.model import CandidateNote
from leadrouter.domain.routing.territories import TerritoryIndex

_GATE_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class GateResult:
    """The gate over a whole roster for one state, insurance type and agency day."""

    passed: tuple[tuple[Producer, int], ...]  # (producer, license id), by producer id
    failed: tuple[tuple[Producer, GateVerdict], ...]  # licensed in the state, but refused
    unlicensed: int  # producers holding no license in the state at all
    reason: str | None = None  # when the lead itself can't be gated (no state, unknown type)
    # What availability and caps read of each producer of ``producers``, in the same order.
    standings: tuple[Standing, ...] = field(default=(), repr=False, compare=False)
    producers: tuple[Producer, ...] = field(init=False, repr=False, compare=False)
    license_of: Mapping[int, int] = field(init=False, repr=False, compare=False)
    refusals: Mapping[int, str] = field(init=False, repr=False, compare=False)
    notes: tuple[CandidateNote, ...] = field(init=False, repr=False, compare=False)
    # A step's split of exactly ``producers`` (kept, dropped), memoized by the step's key.
    splits: dict[tuple[Any, ...], tuple[tuple[Producer, ...], tuple[Producer, ...]]] = field(
        init=False, repr=False, compare=False
    )
    # Values made from the refusals alone (their groups, as the stored record writes them).
    memo: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "splits", {})
        put(self, "memo", {})
        put(self, "producers", tuple(p for p, _ in self.passed))
        put(self, "license_of", {p.id: lid for p, lid in self.passed})
        refusals = {p.id: v.reason or "not licensed" for p, v in self.failed}
        put(self, "refusals", refusals)
        put(
            self,
            "notes",
            tuple(CandidateNote(p.id, p.name, "gate", refusals[p.id]) for p, _ in self.failed),
        )


@dataclass(frozen=True)
class RosterSnapshot:
    """Producers, licenses and territories of one agency, indexed for fast decisions."""

    producers: tuple[Producer, ...]
    licenses: tuple[License, ...]
    territories: tuple[Territory, ...]
    by_id: dict[int, Producer] = field(init=False, repr=False, compare=False)
    licenses_of: dict[int, tuple[License, ...]] = field(init=False, repr=False, compare=False)
    in_state: dict[str, tuple[tuple[Producer, tuple[License, ...]], ...]] = field(
        init=False, repr=False, compare=False
    )
    shifts: dict[int, Shifts] = field(init=False, repr=False, compare=False)
    # Producers with the same time zone and hours share a number: availability by hours
    # is then worked out once per number per decision.
    hours_key: dict[int, int] = field(init=False, repr=False, compare=False)
    standing: dict[int, Standing] = field(init=False, repr=False, compare=False)
    envs: dict[int, dict[str, Any]] = field(init=False, repr=False, compare=False)
    members: dict[int, frozenset[int]] = field(init=False, repr=False, compare=False)
    territory_index: TerritoryIndex = field(init=False, repr=False, compare=False)
    _gate_cache: dict[tuple[Any, ...], GateResult] = field(init=False, repr=False, compare=False)
    note_cache: dict[tuple[int, str, str], CandidateNote] = field(
        init=False, repr=False, compare=False
    )

    @classmethod
    def build(
        cls,
        producers: Iterable[Producer],
        licenses: Iterable[License],
        territories: Iterable[Territory] = (),
    ) -> RosterSnapshot:
        """A snapshot of the roster with its indexes built once."""
        return cls(
            tuple(sorted(producers, key=lambda p: p.id)),
            tuple(sorted(licenses, key=lambda lic: lic.id)),
            tuple(sorted(territories, key=lambda t: t.id)),
        )

    def __post_init__(self) -> None:
        by_id = {p.id: p for p in self.producers}
        licenses_of: dict[int, list[License]] = defaultdict(list)
        state_map: dict[str, dict[int, list[License]]] = defaultdict(lambda: defaultdict(list))
        for lic in self.licenses:
            owner = by_id.get(lic.producer_id)
            if owner is None or owner.agency_id != lic.agency_id:
                continue
            licenses_of[lic.producer_id].append(lic)
            code = normalize_state(lic.state)
            if code is not None:
                state_map[code][lic.producer_id].append(lic)
        in_state = {
            code: tuple((by_id[pid], tuple(lics)) for pid, lics in sorted(held.items()))
            for code, held in state_map.items()
        }
        teams: dict[str, set[int]] = defaultdict(set)
        for p in self.producers:
            if p.team:
                teams[p.team].add(p.id)
        members = {
            t.id: frozenset(teams.get(t.pod, set()) if t.pod else set())
            | ({t.producer_id} if t.producer_id is not None else frozenset())
            for t in self.territories
        }
        put = object.__setattr__
        put(self, "by_id", by_id)
        put(self, "licenses_of", {pid: tuple(lics) for pid, lics in licenses_of.items()})
        put(self, "in_state", in_state)
        put(self, "shifts", {p.id: shifts_by_weekday(p) for p in self.producers})
        keys: dict[tuple[Any, ...], int] = {}
        hours = {
            p.id: keys.setdefault((p.timezone, p.working_hours), len(keys)) for p in self.producers
        }
        put(self, "hours_key", hours)
        standing = {
            p.id: Standing(
                p,
                p.id,
                hours[p.id] if p.working_hours else -1,
                p.out_of_office,
                p.max_open,
                p.max_daily,
            )
            for p in self.producers
        }
        put(self, "standing", standing)
        put(self, "envs", {p.id: producer_env(p) for p in self.producers})
        put(self, "members", members)
        put(self, "territory_index", TerritoryIndex.build(self.territories))
        put(self, "_gate_cache", {})
        put(self, "note_cache", {})

    def gate(self, state: str | None, itype: InsuranceType | None, today: date) -> GateResult:
        """The license gate over every producer, for a lead of this state and type today."""
        code = normalize_state(state)
        key = (code, state if code is None else None, itype, today)
        hit = self._gate_cache.get(key)
        if hit is not None:
            return hit
        result = self._gate(code, state, itype, today)
        if len(self._gate_cache) >= _GATE_CACHE_LIMIT:
            self._gate_cache.clear()
        self._gate_cache[key] = result
        return result

    def _gate(
        self, code: str | None, state: str | None, itype: InsuranceType | None, today: date
    ) -> GateResult:
        if code is None or itype is None or not any(itype.requires):
            anyone = Producer(id=0, agency_id=0, name="", email="")
            verdict = gate_on(anyone, (), state=state, insurance_type=itype, today=today)
            return GateResult((), (), len(self.producers), verdict.reason)
        passed: list[tuple[Producer, int]] = []
        failed: list[tuple[Producer, GateVerdict]] = []
        held = self.in_state.get(code, ())
        requires = itype.requires
        for producer, lics in held:
            granted = _grants(lics, requires, today) if producer.active else None
            if granted is not None:
                passed.append((producer, granted))
            else:  # the full gate, for its reason
                verdict = gate_on(producer, lics, state=code, insurance_type=itype, today=today)
                failed.append((producer, verdict))
        standings = tuple(self.standing[p.id] for p, _ in passed)
        return GateResult(
            tuple(passed), tuple(failed), len(self.producers) - len(held), None, standings
        )


def _grants(lics: tuple[License, ...], requires: Requirement, today: date) -> int | None:
    """The first license (by id) that ``gate_on`` would accept; the fast path of the gate."""
    for lic in lics:
        if (
            lic.status == LicenseStatus.ACTIVE
            and lic.verified_at is not None
            and lic.effective_date <= today
            and (lic.expiration_date is None or today < lic.expiration_date)
            and covers(lic.lines, requires)
        ):
            return lic.id
    return None


def producer_env(p: Producer) -> dict[str, Any]:
    """The names a producer expression sees: ``producer.team`` or just ``team``."""
    fields: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "email": p.email,
        "team": p.team,
        "timezone": p.timezone,
        "business_lines": sorted(p.business_lines),
        "role": str(p.role),
        "active": p.active,
        "weight": p.weight,
        "npn": p.npn,
        "max_open": p.max_open,
        "max_daily": p.max_daily,
    }
    return {**fields, "producer": fields}
