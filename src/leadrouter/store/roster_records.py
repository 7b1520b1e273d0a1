"""What the roster services hand back: domain objects plus the bookkeeping the API shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from leadrouter.domain.model import Client, LeadSource, License, Producer
from leadrouter.store.roster_repo import (
    Row,
    client_from_row,
    license_from_row,
    producer_from_row,
    source_from_row,
)


@dataclass(frozen=True)
class ProducerRecord:
    producer: Producer
    external_id: str | None
    open_count: int


@dataclass(frozen=True)
class LicenseRecord:
    license: License
    source: str


@dataclass(frozen=True)
class ClientRecord:
    client: Client
    external_id: str | None


@dataclass(frozen=True)
class SourceRecord:
    source: LeadSource
    cost_per_lead: Decimal
    active: bool


def producer_record(row: Row) -> ProducerRecord:
    return ProducerRecord(producer_from_row(row), row["external_id"], row["open_count"])


def license_record(row: Row) -> LicenseRecord:
    return LicenseRecord(license_from_row(row), row["source"])


def client_record(row: Row) -> ClientRecord:
    return ClientRecord(client_from_row(row), row["external_id"])


def source_record(row: Row) -> SourceRecord:
    return SourceRecord(
        source_from_row(row),
        Decimal(row["cost_per_lead"]).quantize(Decimal("0.01")),
        bool(row["active"]),
    )
