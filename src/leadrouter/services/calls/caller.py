"""The caller as a lead: their earlier lead, or a new one through intake, with its line of
business taken from the best source there is (and that source named for the explanation).

A call's line decides which lines of authority the license gate asks of a producer, so it is
never a silent default: the vendor's transfer field, else the caller's (or their client
record's) latest lead, else the agency's call setting, else the policy's calls default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.insurance import InsuranceType
from leadrouter.intake.insurance_types import canonical_code
from leadrouter.intake.normalize import Prepared, complete, prepare
from leadrouter.services.leads.intake import create_lead_in_tx
from leadrouter.services.leads.settings import IntakeContext, intake_context
from leadrouter.store.agency_repo import AgencyInfo
from leadrouter.store.dedupe import contact_lock_names
from leadrouter.store.tables import leads
from leadrouter.store.uow import UnitOfWork

CALL_FIELDS = ("first_name", "last_name", "email", "state")


@dataclass(frozen=True)
class Line:
    """The call's insurance type and where it came from (said in every dial record)."""

    insurance_type: str
    source: str

    def as_record(self) -> dict[str, str]:
        return {"insurance_type": self.insurance_type, "from": self.source}


@dataclass(frozen=True)
class Taken:
    """The lead a call is about, and its line."""

    lead_id: int
    line: Line
    row: Any = None  # the new lead's row, when the call made one
    agency: AgencyInfo | None = None  # the agency as intake read it, for routing in this tx


_CALLERS_LEADS = (
    sa.select(leads.c.id, leads.c.insurance_type, leads.c.state)
    .where(leads.c.agency_id == sa.bindparam("agency_id"), leads.c.phone == sa.bindparam("phone"))
    .order_by(leads.c.id.desc())
    .limit(5)
)
_CLIENTS_LEADS = (
    sa.select(leads.c.id, leads.c.insurance_type)
    .where(
        leads.c.agency_id == sa.bindparam("agency_id"),
        leads.c.client_id == sa.bindparam("client_id"),
    )
    .order_by(leads.c.id.desc())
    .limit(5)
)
_TYPE_OF = sa.select(leads.c.insurance_type).where(leads.c.id == sa.bindparam("lead_id"))


def callers_leads(conn: sa.Connection, agency_id: int, phone: str) -> list[Any]:
    """The caller's latest few leads (same phone), newest first."""
    return list(conn.execute(_CALLERS_LEADS, {"agency_id": agency_id, "phone": phone}))


def earlier_lead(earlier: list[Any]) -> Taken | None:
    """The caller's latest lead with a known state: its place, line and owner carry over."""
    found = next((row for row in earlier if row.state is not None), None)
    if found is None:
        return None
    return Taken(int(found.id), Line(found.insurance_type, f"the caller's lead {found.id}"))


def take_in_call(
    uow: UnitOfWork,
    *,
    agency_id: int,
    phone: str,
    place: dict[str, str],
    params: Mapping[str, str],
    earlier: list[Any],
    policy_default: Callable[[], str],
    now: datetime,
) -> Taken | None:
    """The call as a lead through intake (normalized, deduped); None for an unknown ZIP.

    ``earlier`` are the caller's latest leads (``callers_leads``); ``policy_default`` gives
    the policy's default insurance type, read only when nothing else names one."""
    payload: dict[str, Any] = {k: params[k] for k in CALL_FIELDS if params.get(k)}
    payload.update(place, phone=phone)
    prepared = prepare(payload)
    if prepared.errors and place and prepared.errors.keys() & {"zip", "state"}:
        return None
    if prepared.errors:  # a vendor's malformed name or email: the call is taken all the same
        prepared = prepare({**place, "phone": phone})
    if "phone" in prepared.errors:
        prepared = _callers_number(prepared, phone)
    ctx = intake_context(
        uow.conn, agency_id=agency_id, source=None, lock=contact_lock_names(agency_id, phone, None)
    )
    window = ctx.settings.dedupe_window_days
    found = uow.leads.matches(
        agency_id=agency_id,
        phone=phone,
        email=prepared.normalized.get("email"),
        repeat_since=now - timedelta(days=window) if window else None,
    )
    if found.repeat_of is not None:
        lead_type = uow.conn.execute(_TYPE_OF, {"lead_id": found.repeat_of}).scalar_one()
        return Taken(int(found.repeat_of), Line(lead_type, f"the caller's lead {found.repeat_of}"))
    line = call_line(
        uow.conn,
        ctx,
        agency_id=agency_id,
        params=params,
        earlier=earlier,
        client_id=found.client_id,
        policy_default=policy_default,
    )
    lead = _completed(prepared, ctx, line.insurance_type)
    # A caller has no name or email yet: only the phone is required of a call.
    created = create_lead_in_tx(
        uow, agency_id=agency_id, ctx=ctx, matches=found, lead=lead, now=now
    )
    return Taken(created.lead_id, line, created.row, ctx.agency)


def _callers_number(prepared: Prepared, phone: str) -> Prepared:
    """The number that called, kept (and flagged with why a form could not give it): one
    abroad or fictional is refused of a lead body, but this caller is on the line now."""
    errors = {k: v for k, v in prepared.errors.items() if k != "phone"}
    flags = {**prepared.normalized["flags"], "phone": prepared.errors["phone"]}
    normalized = {**prepared.normalized, "phone": phone, "phone_extension": None, "flags": flags}
    return dataclasses.replace(prepared, normalized=normalized, errors=errors)


def _completed(prepared: Prepared, ctx: IntakeContext, insurance_type: str) -> Any:
    with_type = dataclasses.replace(
        prepared, values={**prepared.values, "insurance_type": insurance_type}
    )
    lead = complete(with_type, required=frozenset({"phone"}), types=ctx.types)
    assert not isinstance(lead, list), lead  # the type was checked against the same catalog
    return lead


def call_line(
    conn: sa.Connection,
    ctx: IntakeContext,
    *,
    agency_id: int,
    params: Mapping[str, str],
    earlier: list[Any],
    client_id: int | None,
    policy_default: Callable[[], str],
) -> Line:
    """The call's line: transfer field, caller's lead, client's lead, agency setting, policy."""
    types = ctx.types
    given = _known(types, params.get("insurance_type", ""))
    if given:
        return Line(given, "the transfer's insurance_type")
    for row in earlier:
        known = _known(types, row.insurance_type)
        if known:
            return Line(known, f"the caller's lead {row.id}")
    if client_id is not None:
        for row in conn.execute(_CLIENTS_LEADS, {"agency_id": agency_id, "client_id": client_id}):
            known = _known(types, row.insurance_type)
            if known:
                return Line(known, f"client {client_id}'s lead {row.id}")
    setting = _known(types, ctx.settings.call_insurance_type or "")
    if setting:
        return Line(setting, "the agency's call_insurance_type setting")
    default = policy_default()
    if _known(types, default):
        return Line(_known(types, default) or default, "the policy's calls.default_insurance_type")
    first = next(iter(types))  # the policy names a type the agency turned off
    return Line(first, f"the first type the agency accepts ({default} is not one)")


def _known(types: Mapping[str, InsuranceType], raw: str) -> str | None:
    code = canonical_code(raw) if raw.strip() else ""
    return code if code in types else None
