"""Roster rows to domain objects and back; the routing engine loads the roster through here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.model import (
    Client,
    LeadSource,
    License,
    LicenseStatus,
    Period,
    Producer,
    Role,
    Shift,
    Territory,
)
from leadrouter.roster.schedule import format_clock, parse_clock
from leadrouter.roster.specs import (
    ClientSpec,
    LicenseSpec,
    ProducerSpec,
    SourceSpec,
    TerritorySpec,
)
from leadrouter.store.db import upsert_insert
from leadrouter.store.tables import (
    licenses,
    producers,
    roster_versions,
    territories,
)

Row = Mapping[Any, Any]


@dataclass(frozen=True)
class Roster:
    """What routing needs of an agency's roster, as domain objects."""

    producers: tuple[Producer, ...]
    licenses: tuple[License, ...]
    territories: tuple[Territory, ...]


def producer_from_row(row: Row) -> Producer:
    """A producers row as the domain's Producer."""
    return Producer(
        id=row["id"],
        agency_id=row["agency_id"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        timezone=row["timezone"],
        working_hours=tuple(
            Shift(s["weekday"], parse_clock(s["start"]), parse_clock(s["end"]))
            for s in row["working_hours"]
        ),
        out_of_office=tuple(
            Period(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]))
            for p in row["out_of_office"]
        ),
        business_lines=frozenset(row["business_lines"]),
        max_open=row["max_open"],
        max_daily=row["max_daily"],
        team=row["team"],
        backup_producer_id=row["backup_producer_id"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        weight=row["weight"],
        npn=row["npn"],
    )


def license_from_row(row: Row) -> License:
    """A licenses row as the domain's License."""
    return License(
        id=row["id"],
        agency_id=row["agency_id"],
        producer_id=row["producer_id"],
        state=row["state"],
        number=row["number"],
        lines=frozenset(row["lines"]),
        resident=bool(row["resident"]),
        effective_date=row["effective_date"],
        expiration_date=row["expiration_date"],
        status=LicenseStatus(row["status"]),
        verified_at=row["verified_at"],
        verified_by=row["verified_by"],
    )


def territory_from_row(row: Row) -> Territory:
    """A territories row as the domain's Territory."""
    return Territory(
        id=row["id"],
        agency_id=row["agency_id"],
        name=row["name"],
        zip_ranges=tuple((lo, hi) for lo, hi in row["zip_ranges"]),
        zip_prefixes=tuple(row["zip_prefixes"]),
        states=frozenset(row["states"]),
        counties=frozenset(row["counties"]),
        pod=row["pod"],
        producer_id=row["producer_id"],
        business_lines=frozenset(row["business_lines"]),
    )


def client_from_row(row: Row) -> Client:
    """A clients row as the domain's Client."""
    return Client(
        id=row["id"],
        agency_id=row["agency_id"],
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
        owner_producer_id=row["owner_producer_id"],
        csr_producer_id=row["csr_producer_id"],
    )


def source_from_row(row: Row) -> LeadSource:
    """A lead_sources row as the domain's LeadSource."""
    fields = row["required_fields"]
    return LeadSource(
        id=row["id"],
        agency_id=row["agency_id"],
        name=row["name"],
        cost_per_lead=float(row["cost_per_lead"]),
        required_fields=None if fields is None else tuple(fields),
    )


def load_roster(conn: sa.Connection, agency_id: int) -> Roster:
    """Every producer, license and territory of the agency, in id order."""

    def rows(table: sa.Table) -> list[Row]:
        query = sa.select(table).where(table.c.agency_id == agency_id).order_by(table.c.id)
        return list(conn.execute(query).mappings())

    return Roster(
        producers=tuple(producer_from_row(r) for r in rows(producers)),
        licenses=tuple(license_from_row(r) for r in rows(licenses)),
        territories=tuple(territory_from_row(r) for r in rows(territories)),
    )


def producer_values(spec: ProducerSpec) -> dict[str, Any]:
    """Column values for a producer (everything but ids, counters and timestamps)."""
    if spec.timezone is None:
        raise ValueError("resolve the producer's time zone (the agency's) before writing")
    return {
        "external_id": spec.external_id,
        "name": spec.name,
        "email": spec.email,
        "phone": spec.phone,
        "timezone": spec.timezone,
        "working_hours": [
            {"weekday": s.weekday, "start": format_clock(s.start), "end": format_clock(s.end)}
            for s in spec.working_hours
        ],
        "out_of_office": [
            {"start": p.start.astimezone(UTC).isoformat(), "end": p.end.astimezone(UTC).isoformat()}
            for p in spec.out_of_office
        ],
        "business_lines": sorted(spec.business_lines),
        "max_open": spec.max_open,
        "max_daily": spec.max_daily,
        "team": spec.team,
        "backup_producer_id": spec.backup_producer_id,
        "role": spec.role,
        "active": spec.active,
        "weight": spec.weight,
        "npn": spec.npn,
    }


def license_values(spec: LicenseSpec) -> dict[str, Any]:
    return {
        "producer_id": spec.producer_id,
        "state": spec.state,
        "number": spec.number,
        "lines": sorted(spec.lines),
        "resident": spec.resident,
        "effective_date": spec.effective_date,
        "expiration_date": spec.expiration_date,
        "status": spec.status,
    }


def territory_values(spec: TerritorySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "zip_ranges": [list(r) for r in spec.zip_ranges],
        "zip_prefixes": list(spec.zip_prefixes),
        "states": sorted(spec.states),
        "counties": sorted(spec.counties),
        "pod": spec.pod,
        "producer_id": spec.producer_id,
        "business_lines": sorted(spec.business_lines),
    }


def client_values(spec: ClientSpec) -> dict[str, Any]:
    return {
        "external_id": spec.external_id,
        "name": spec.name,
        "phone": spec.phone,
        "email": spec.email,
        "owner_producer_id": spec.owner_producer_id,
        "csr_producer_id": spec.csr_producer_id,
    }


def source_values(spec: SourceSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "cost_per_lead": spec.cost_per_lead,
        "required_fields": None if spec.required_fields is None else list(spec.required_fields),
        "active": spec.active,
    }


def bump_roster_version(conn: sa.Connection, agency_id: int) -> None:
    """Tell routing caches that the agency's roster changed (in the writer's transaction)."""
    stmt = upsert_insert(conn)(roster_versions).values(agency_id=agency_id, version=1)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[roster_versions.c.agency_id],
            set_={"version": roster_versions.c.version + 1},
        )
    )


def producer_spec(row: Row) -> ProducerSpec:
    """The spec that would write this producers row again (the base of a partial update)."""
    p = producer_from_row(row)
    return ProducerSpec(
        name=p.name,
        email=p.email,
        external_id=row["external_id"],
        phone=p.phone,
        timezone=p.timezone,
        working_hours=p.working_hours,
        out_of_office=p.out_of_office,
        business_lines=p.business_lines,
        max_open=p.max_open,
        max_daily=p.max_daily,
        team=p.team,
        backup_producer_id=p.backup_producer_id,
        role=p.role.value,
        active=p.active,
        weight=p.weight,
        npn=p.npn,
    )


def license_spec(row: Row) -> LicenseSpec:
    """A licenses row as the spec a write of it would take."""
    return spec_of_license(license_from_row(row))


def spec_of_license(lic: License) -> LicenseSpec:
    """The spec of a loaded license (what a write of it would take)."""
    return LicenseSpec(
        producer_id=lic.producer_id,
        state=lic.state,
        number=lic.number,
        lines=lic.lines,
        resident=lic.resident,
        effective_date=lic.effective_date,
        expiration_date=lic.expiration_date,
        status=lic.status.value,
    )


def territory_spec(row: Row) -> TerritorySpec:
    t = territory_from_row(row)
    return TerritorySpec(
        name=t.name,
        zip_ranges=t.zip_ranges,
        zip_prefixes=t.zip_prefixes,
        states=t.states,
        counties=t.counties,
        pod=t.pod,
        producer_id=t.producer_id,
        business_lines=t.business_lines,
    )


def client_spec(row: Row) -> ClientSpec:
    return ClientSpec(
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
        external_id=row["external_id"],
        owner_producer_id=row["owner_producer_id"],
        csr_producer_id=row["csr_producer_id"],
    )


def source_spec(row: Row) -> SourceSpec:
    fields = row["required_fields"]
    return SourceSpec(
        name=row["name"],
        cost_per_lead=Decimal(row["cost_per_lead"]).quantize(Decimal("0.01")),
        required_fields=None if fields is None else tuple(fields),
        active=bool(row["active"]),
    )


def producer_contact(conn: sa.Connection, agency_id: int, producer_id: int) -> Any:
    """The producer's id, name and email (for the messages that name them)."""
    return conn.execute(_CONTACT, {"agency_id": agency_id, "producer_id": producer_id}).one()


_CONTACT = sa.select(producers.c.id, producers.c.name, producers.c.email).where(
    producers.c.id == sa.bindparam("producer_id"),
    producers.c.agency_id == sa.bindparam("agency_id"),
)
