"""Which status a lead may move to from which: new → queued/assigned → contacted → quoted → bound.

Routing moves leads between new, queued, assigned and nurture; people record contacted,
quoted, bound and lost. Bound is final; nothing ever goes back to new. Staying in a status
is allowed (a reassignment, a second contact) and is recorded like any change.
"""

from __future__ import annotations

from leadrouter.domain.model import LeadStatus as S

ALLOWED: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.QUEUED, S.ASSIGNED, S.CONTACTED, S.NURTURE, S.LOST}),
    S.QUEUED: frozenset({S.QUEUED, S.ASSIGNED, S.CONTACTED, S.NURTURE, S.LOST}),
    S.ASSIGNED: frozenset(
        {S.ASSIGNED, S.QUEUED, S.CONTACTED, S.QUOTED, S.BOUND, S.LOST, S.NURTURE}
    ),
    S.CONTACTED: frozenset(
        {S.CONTACTED, S.ASSIGNED, S.QUEUED, S.QUOTED, S.BOUND, S.LOST, S.NURTURE}
    ),
    S.QUOTED: frozenset({S.QUOTED, S.CONTACTED, S.ASSIGNED, S.QUEUED, S.BOUND, S.LOST, S.NURTURE}),
    S.BOUND: frozenset(),
    S.LOST: frozenset({S.QUEUED, S.ASSIGNED, S.NURTURE}),
    S.NURTURE: frozenset({S.NURTURE, S.QUEUED, S.ASSIGNED, S.CONTACTED, S.QUOTED, S.BOUND, S.LOST}),
}


def may_change(current: S, target: S) -> bool:
    """True when a lead in ``current`` may move to ``target``."""
    return target in ALLOWED[current]
