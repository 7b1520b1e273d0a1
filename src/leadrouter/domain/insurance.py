"""Insurance types, and the lines of authority a producer must hold to sell each.

A requirement is a tuple of alternatives; each alternative is a set of lines that must all
be held. Personal auto is sold with a Personal Lines license, or with Casualty.
An agency may override any entry; an unknown type requires something nobody holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadrouter.domain.model import BusinessLine as B
from leadrouter.domain.model import LineOfAuthority as L

Requirement = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class InsuranceType:
    code: str
    label: str
    business_line: str
    requires: Requirement


def _any(*alternatives: set[str]) -> Requirement:
    return tuple(frozenset(a) for a in alternatives)


DEFAULT_TYPES: dict[str, InsuranceType] = {
    t.code: t
    for t in (
        InsuranceType(
            "personal_auto", "Personal auto", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.CASUALTY})
        ),
        InsuranceType("home", "Homeowners", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.PROPERTY})),
        InsuranceType("renters", "Renters", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.PROPERTY})),
        InsuranceType("condo", "Condo", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.PROPERTY})),
        InsuranceType(
            "umbrella", "Personal umbrella", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.CASUALTY})
        ),
        InsuranceType(
            "motorcycle", "Motorcycle", B.PERSONAL, _any({L.PERSONAL_LINES}, {L.CASUALTY})
        ),
        InsuranceType(
            "boat",
            "Boat / watercraft",
            B.PERSONAL,
            _any({L.PERSONAL_LINES}, {L.PROPERTY, L.CASUALTY}),
        ),
        InsuranceType("commercial_auto", "Commercial auto", B.COMMERCIAL, _any({L.CASUALTY})),
        InsuranceType("general_liability", "General liability", B.COMMERCIAL, _any({L.CASUALTY})),
        InsuranceType(
            "bop", "Business owner's policy", B.COMMERCIAL, _any({L.PROPERTY, L.CASUALTY})
        ),
        InsuranceType(
            "commercial_property", "Commercial property", B.COMMERCIAL, _any({L.PROPERTY})
        ),
        InsuranceType("workers_comp", "Workers' compensation", B.COMMERCIAL, _any({L.CASUALTY})),
        InsuranceType("life", "Life", B.LIFE, _any({L.LIFE})),
        InsuranceType("annuity", "Annuity", B.LIFE, _any({L.LIFE})),
        InsuranceType("health", "Health", B.HEALTH, _any({L.ACCIDENT_HEALTH})),
        InsuranceType("medicare", "Medicare", B.HEALTH, _any({L.ACCIDENT_HEALTH})),
        InsuranceType("disability", "Disability", B.HEALTH, _any({L.ACCIDENT_HEALTH})),
    )
}


def covers(held: frozenset[str], requirement: Requirement) -> bool:
    """True when the held lines satisfy at least one alternative; an empty requirement never is."""
    return any(alternative <= held for alternative in requirement if alternative)
