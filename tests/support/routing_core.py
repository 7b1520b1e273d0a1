"""Builders for the pure routing tests: producers, licenses, leads and inputs with defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from leadrouter.domain.insurance import DEFAULT_TYPES
from leadrouter.domain.model import (
    Client,
    Lead,
    LeadStatus,
    License,
    LicenseStatus,
    Producer,
    Shift,
    Territory,
)
from leadrouter.domain.routing import (
    ProducerLoad,
    RosterSnapshot,
    RoutingInput,
)

# Tuesday 2026-03-03, 10:00 in New York and 09:00 in Chicago.
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
AGENCY_TZ = "America/New_York"
WEEKDAYS_9_TO_5 = tuple(Shift(d, time(9), time(17)) for d in range(5))


def producer(pid: int, **kw: Any) -> Producer:
    """An active producer who works 09:00-17:00 Monday to Friday in Chicago."""
    kw.setdefault("name", f"Producer {pid}")
    kw.setdefault("email", f"p{pid}@example.com")
    kw.setdefault("timezone", "America/Chicago")
    kw.setdefault("working_hours", WEEKDAYS_9_TO_5)
    return Producer(id=pid, agency_id=kw.pop("agency_id", 1), **kw)


def license_(
    lid: int, pid: int, state: str = "CA", lines: Iterable[str] = ("life",), **kw: Any
) -> License:
    """A verified, active license in force since 2020 with no expiry."""
    kw.setdefault("number", f"L{lid}")
    kw.setdefault("resident", True)
    kw.setdefault("effective_date", date(2020, 1, 1))
    kw.setdefault("expiration_date", None)
    kw.setdefault("status", LicenseStatus.ACTIVE)
    kw.setdefault("verified_at", datetime(2025, 1, 1, tzinfo=UTC))
    return License(
        id=lid,
        agency_id=kw.pop("agency_id", 1),
        producer_id=pid,
        state=state,
        lines=frozenset(lines),
        **kw,
    )


def territory(tid: int, name: str, **kw: Any) -> Territory:
    """A territory of agency 1."""
    for key in ("states", "counties", "business_lines"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    for key in ("zip_prefixes", "zip_ranges"):
        if key in kw:
            kw[key] = tuple(kw[key])
    return Territory(id=tid, agency_id=1, name=name, **kw)


def lead(lid: int = 1, insurance_type: str = "life", state: str | None = "CA", **kw: Any) -> Lead:
    """A new lead of agency 1."""
    return Lead(
        id=lid,
        agency_id=1,
        status=LeadStatus.NEW,
        created_at=NOW,
        insurance_type=insurance_type,
        state=state,
        **kw,
    )


def client(cid: int = 1, owner: int | None = None, csr: int | None = None) -> Client:
    """An existing client of agency 1."""
    return Client(
        id=cid,
        agency_id=1,
        name="Client",
        phone=None,
        email=None,
        owner_producer_id=owner,
        csr_producer_id=csr,
    )


def inputs(
    the_lead: Lead | None = None,
    *,
    loads: Mapping[int, ProducerLoad] | None = None,
    rotation: Mapping[str, Mapping[int, int]] | None = None,
    now: datetime = NOW,
    agency_tz: str = AGENCY_TZ,
    the_client: Client | None = None,
) -> RoutingInput:
    """A routing input around a lead, with zero loads unless given."""
    the_lead = the_lead or lead()
    return RoutingInput(
        lead=the_lead,
        insurance_type=DEFAULT_TYPES.get(the_lead.insurance_type),
        client=the_client,
        loads=loads or {},
        rotation=rotation or {},
        now=now,
        agency_tz=agency_tz,
    )


def roster(
    producers: Iterable[Producer],
    licenses: Iterable[License],
    territories: Iterable[Territory] = (),
) -> RosterSnapshot:
    """A roster snapshot."""
    return RosterSnapshot.build(producers, licenses, territories)
