"""Who may act on a lead: the rules every entrypoint (API key or signed-in user) applies.

* A key or user bound to a producer acts only as that producer: accepting, declining,
  logging activities and outcomes for another producer's lead is Forbidden (403).
* A compliance key or user verifies licenses; it does not log calls or change lead status.
"""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa

from leadrouter.domain.model import Role
from leadrouter.errors import Forbidden, NotFound
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork


class Actor(Protocol):
    """Whoever acts: a key's principal or a signed-in user."""

    @property
    def role(self) -> str: ...

    @property
    def producer_id(self) -> int | None: ...


def may_work_leads(who: Actor) -> None:
    """Compliance reads and verifies; it does not work leads."""
    if who.role == Role.COMPLIANCE:
        raise Forbidden("compliance verifies licenses; it does not log calls or change leads")


def may_act_as(who: Actor, producer_id: int) -> None:
    """Whoever is bound to a producer acts as that producer only."""
    may_work_leads(who)
    if who.producer_id is not None and who.producer_id != producer_id:
        raise Forbidden(f"you act as producer {who.producer_id}, not as producer {producer_id}")


def lead_owner(*, uow: UnitOfWork, agency_id: int, lead_id: int) -> int | None:
    """The producer who owns the lead now (None when nobody does); 404 outside the agency."""
    with uow:
        row = uow.conn.execute(
            sa.select(leads.c.owner_id).where(leads.c.id == lead_id, leads.c.agency_id == agency_id)
        ).first()
    if row is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return None if row.owner_id is None else int(row.owner_id)


def may_work_lead(who: Actor, *, uow: UnitOfWork, agency_id: int, lead_id: int) -> None:
    """A bound actor works only the leads they own; compliance works none."""
    may_work_leads(who)
    if who.producer_id is None:
        return
    if lead_owner(uow=uow, agency_id=agency_id, lead_id=lead_id) != who.producer_id:
        raise Forbidden(f"lead {lead_id} is not yours (you act as producer {who.producer_id})")
