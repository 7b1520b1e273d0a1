"""Insurance type codes as leads send them, and the catalog an agency accepts.

The catalog is the defaults of ``domain.insurance`` changed by the agency's overrides (see
``intake.settings.TypeOverride``): an override may change a default, add a type, or turn
one off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from leadrouter.domain.insurance import DEFAULT_TYPES, InsuranceType

if TYPE_CHECKING:
    from leadrouter.intake.settings import TypeOverride

_SEPARATORS = re.compile(r"[^a-z0-9]+")

ALIASES = {
    "auto": "personal_auto",
    "car": "personal_auto",
    "private_passenger_auto": "personal_auto",
    "homeowners": "home",
    "homeowner": "home",
    "renter": "renters",
    "condominium": "condo",
    "personal_umbrella": "umbrella",
    "watercraft": "boat",
    "gl": "general_liability",
    "commercial_general_liability": "general_liability",
    "business_owners_policy": "bop",
    "businessowners": "bop",
    "workers_compensation": "workers_comp",
    "workerscomp": "workers_comp",
    "medicare_supplement": "medicare",
    "medigap": "medicare",
}


def canonical_code(raw: str) -> str:
    """``"Workers' Comp"``, ``"workers-comp"`` and ``"workers_compensation"`` → ``workers_comp``."""
    code = _SEPARATORS.sub("_", raw.strip().lower().replace("'", "")).strip("_")
    return ALIASES.get(code, code)


def catalog(overrides: Mapping[str, TypeOverride] | None) -> Mapping[str, InsuranceType]:
    """Every type the agency accepts, by code (read-only: it may be the shared defaults)."""
    if not overrides:
        return DEFAULT_TYPES
    types = dict(DEFAULT_TYPES)
    for code, spec in overrides.items():
        base = types.pop(code, None)
        if not spec.enabled:
            continue
        types[code] = InsuranceType(
            code=code,
            label=spec.label or (base.label if base else code),
            business_line=spec.business_line or (base.business_line if base else ""),
            requires=(
                tuple(frozenset(alt) for alt in spec.requires)
                if spec.requires is not None
                else base.requires
                if base
                else ()
            ),
        )
    return types
