"""Who may act on a lead: the rules every entrypoint (API key or signed-in user) applies.

* A key or user bound to a producer acts only as that producer: accepting, declining,
  logging activities and outcomes for another producer's lead is Forbidden (403).
* A compliance key or user verifies licenses; it does not log calls or change lead status.
* Whoever is bound to a producer also reads only that producer's own: their leads (another
  producer's lead is NotFound, 404, so its existence does not leak), their figures (asking
  for another producer's is Forbidden, 403), and no agency-wide figures (source ROI, the
  monthly report, conversion estimates, the queue: 403).
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


def may_read_lead(who: Actor, *, uow: UnitOfWork, agency_id: int, lead_id: int) -> None:
    """A bound actor reads only the leads they own: another's is NotFound (404), as a lead of
    another agency is, so its existence does not leak."""
    if who.producer_id is None:
        return
    if lead_owner(uow=uow, agency_id=agency_id, lead_id=lead_id) != who.producer_id:
        raise NotFound(f"lead {lead_id} does not exist")


def own_producer(who: Actor, asked: int | None) -> int | None:
    """The producer a read is about: for a bound actor always their own (asking for another
    producer's is Forbidden), else what was asked (None: everyone)."""
    if who.producer_id is None:
        return asked
    if asked is not None and asked != who.producer_id:
        raise Forbidden(f"you act as producer {who.producer_id}; you see only your own")
    return who.producer_id


def may_read_agency_figures(who: Actor) -> None:
    """Figures of the whole agency (source ROI, the monthly report, the queue, conversion
    estimates of every producer) are not for an actor bound to one producer."""
    if who.producer_id is not None:
        raise Forbidden(
            f"you act as producer {who.producer_id}; agency-wide figures are for managers"
        )
