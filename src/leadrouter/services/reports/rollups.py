"""The daily rollups' upkeep: recompute them from the leads (after a bulk load that bypassed
the unit of work, or a change of an agency's time zone, which moves its local days)."""

from __future__ import annotations

from dataclasses import dataclass

from leadrouter.store import rollups
from leadrouter.store.uow import UnitOfWork


@dataclass(frozen=True)
class Rebuilt:
    """How many rollup rows the agency (or every agency) has now."""

    rows: int


def rebuild_rollups(*, uow: UnitOfWork, agency_id: int | None = None) -> Rebuilt:
    """Recompute one agency's daily rollups (or every agency's) from its leads, in one
    transaction: readers see the old rollups or the new ones, never a half."""
    with uow:
        rows = rollups.rebuild_rollups(uow.conn, agency_id)
        uow.commit()
    return Rebuilt(rows)
