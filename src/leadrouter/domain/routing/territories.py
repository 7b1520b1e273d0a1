"""Which territories cover a lead, most specific first: ZIP, then county, then state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from leadrouter.domain.model import Territory

# Specificity of a match: a ZIP beats a county, a county beats a state.
LEVELS = {"zip": 3, "county": 2, "state": 1}


@dataclass(frozen=True)
class TerritoryIndex:
    by_prefix: dict[str, tuple[Territory, ...]]
    ranges: tuple[tuple[str, str, Territory], ...]
    by_county: dict[str, tuple[Territory, ...]]
    by_state: dict[str, tuple[Territory, ...]]

    @classmethod
    def build(cls, territories: Iterable[Territory]) -> TerritoryIndex:
        """Index territories by ZIP prefix, ZIP range, county and state."""
        prefix: dict[str, list[Territory]] = defaultdict(list)
        county: dict[str, list[Territory]] = defaultdict(list)
        state: dict[str, list[Territory]] = defaultdict(list)
        ranges: list[tuple[str, str, Territory]] = []
        for t in territories:
            for p in t.zip_prefixes:
                prefix[p].append(t)
            ranges.extend((lo, hi, t) for lo, hi in t.zip_ranges)
            for c in t.counties:
                county[c.casefold()].append(t)
            for s in t.states:
                state[s.upper()].append(t)
        return cls(
            {k: tuple(v) for k, v in prefix.items()},
            tuple(ranges),
            {k: tuple(v) for k, v in county.items()},
            {k: tuple(v) for k, v in state.items()},
        )

    def match(
        self,
        *,
        zip_code: str | None,
        state: str | None,
        county: str | None,
        kinds: frozenset[str],
        business_line: str | None,
        type_code: str | None,
    ) -> tuple[str, tuple[Territory, ...]]:
        """The most specific kind that matched, and the territories that match at it."""
        candidates: list[tuple[str, list[Territory]]] = []
        if zip_code and "zip" in kinds:
            found = [
                t for n in range(1, len(zip_code) + 1) for t in self.by_prefix.get(zip_code[:n], ())
            ]
            found += [t for lo, hi, t in self.ranges if lo <= zip_code <= hi]
            candidates.append(("zip", found))
        if county and state and "county" in kinds:
            candidates.append(
                ("county", list(self.by_county.get(f"{state}:{county}".casefold(), ())))
            )
        if state and "state" in kinds:
            candidates.append(("state", list(self.by_state.get(state.upper(), ()))))
        for kind, found in candidates:
            fitting = _dedupe(
                t for t in found if _sells(t, business_line=business_line, type_code=type_code)
            )
            if fitting:
                return kind, fitting
        return "", ()


def _sells(t: Territory, *, business_line: str | None, type_code: str | None) -> bool:
    if not t.business_lines:
        return True
    return business_line in t.business_lines or type_code in t.business_lines


def _dedupe(territories: Iterable[Territory]) -> tuple[Territory, ...]:
    seen: dict[int, Territory] = {}
    for t in territories:
        seen.setdefault(t.id, t)
    return tuple(sorted(seen.values(), key=lambda t: t.id))
