"""Helpers for the compliance tests: a roster and leads made through the real services."""

from __future__ import annotations

import itertools
import json
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.domain.model import Shift
from leadrouter.roster.specs import LicenseSpec, ProducerSpec
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.roster.licenses import create_license
from leadrouter.services.roster.producers import create_producer
from leadrouter.services.routing.route import after_intake
from leadrouter.store.tables import leads, outbox

# Around the clock, every day: availability never decides a compliance test.
ALWAYS = tuple(Shift(day, time(0), time.max.replace(microsecond=0)) for day in range(7))
ZIPS = {"NY": "10001", "NJ": "07030", "CT": "06901", "PA": "19103"}
_serial = itertools.count(1)


def add_producer(
    c: Container, agency_id: int, name: str, *, npn: str | None = None, **fields: Any
) -> int:
    slug = name.lower().replace(" ", ".")
    spec = ProducerSpec(
        name=name, email=f"{slug}@agency.example", npn=npn, working_hours=ALWAYS, **fields
    )
    return create_producer(
        uow=c.uow(), agency_id=agency_id, spec=spec, now=c.clock.now()
    ).producer.id


def add_license(
    c: Container,
    agency_id: int,
    producer_id: int,
    state: str,
    number: str,
    *,
    lines: tuple[str, ...] = ("personal_lines",),
    expires: date | None = None,
    effective: date = date(2020, 1, 1),
    resident: bool = True,
    verifier: str | None = "test registry",
    status: str = "active",
) -> int:
    spec = LicenseSpec(
        producer_id=producer_id,
        state=state,
        number=number,
        lines=frozenset(lines),
        resident=resident,
        effective_date=effective,
        expiration_date=expires,
        status=status,
    )
    return create_license(
        uow=c.uow(), agency_id=agency_id, spec=spec, now=c.clock.now(), verifier=verifier
    ).license.id


def send_lead(
    c: Container, agency_id: int, state: str, insurance_type: str = "personal_auto"
) -> int:
    """A new lead from ``state``, routed on arrival as the API does; its id."""
    n = next(_serial)
    payload = {
        "first_name": "Lead",
        "last_name": f"No{n}",
        "email": f"lead{n}@example.com",
        "phone": f"(212) 867-{1000 + n % 9000:04d}",
        "zip": ZIPS[state],
        "insurance_type": insurance_type,
    }
    result = receive_lead(
        uow=c.uow(),
        agency_id=agency_id,
        payload=payload,
        idempotency_key=None,
        now=c.clock.now(),
        after_store=after_intake(c.routing),
    )
    return result.lead_id


def lead_row(c: Container, lead_id: int) -> Any:
    with c.engine.connect() as conn:
        return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()


def outbox_rows(c: Container, event: str) -> list[Any]:
    with c.engine.connect() as conn:
        return list(
            conn.execute(sa.select(outbox).where(outbox.c.event == event).order_by(outbox.c.id))
        )


def payload_of(row: Any) -> dict[str, Any]:
    value = row.payload
    return json.loads(value) if isinstance(value, str) else dict(value)


# (NPN, license number, state, lines of authority, residency, active, issue, expiration)
ReportRow = tuple[str, str, str, str, str, str, str, str]
HEADER = (
    "NPN,License Number,State,License Class,Line of Authority,Residency,Active,"
    "Issue Date,Expiration Date"
)


def report_csv(rows: list[ReportRow]) -> bytes:
    """A registry report in CSV, one row per line of authority as registries print it."""
    lines = [HEADER]
    for npn, number, state, loas, residency, active, issued, expires in rows:
        for loa in loas.split(";"):
            lines.append(
                f"{npn},{number},{state},Insurance Producer,{loa.strip()},{residency},"
                f"{active},{issued},{expires}"
            )
    return ("\n".join(lines) + "\n").encode()


def report_xml(rows: list[ReportRow]) -> bytes:
    """The same report in XML: producers by NPN, their licenses, lines of authority."""
    by_npn: dict[str, list[ReportRow]] = {}
    for row in rows:
        by_npn.setdefault(row[0], []).append(row)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<ProducerLicenseReport>"]
    for npn, licenses in by_npn.items():
        out.append(f'  <Producer npn="{npn}">')
        for _, number, state, loas, residency, active, issued, expires in licenses:
            items = "".join(
                f"<LineOfAuthority>{loa.strip()}</LineOfAuthority>" for loa in loas.split(";")
            )
            out.append(
                f"    <License><State>{state}</State><LicenseNumber>{number}</LicenseNumber>"
                f"<LicenseClass>Insurance Producer</LicenseClass><Residency>{residency}"
                f"</Residency><Active>{active}</Active><IssueDate>{issued}</IssueDate>"
                f"<ExpirationDate>{expires}</ExpirationDate>"
                f"<LinesOfAuthority>{items}</LinesOfAuthority></License>"
            )
        out.append("  </Producer>")
    out.append("</ProducerLicenseReport>")
    return "\n".join(out).encode()


REPORT: list[ReportRow] = [
    ("1111111", "NY-1", "NY", "Personal Lines", "Resident", "Yes", "2020-01-01", "2028-01-31"),
    ("2222222", "NY-2", "NY", "Personal Lines", "Resident", "Yes", "2020-01-01", "2027-06-30"),
    (
        "3333333",
        "CT-3",
        "CT",
        "Property;Casualty",
        "Non-Resident",
        "Yes",
        "2021-05-01",
        "2027-05-31",
    ),
    ("9999999", "PA-9", "PA", "Life", "Resident", "Yes", "2021-05-01", "2027-05-31"),
]


def roster(c: Container, agency_id: int) -> dict[str, int]:
    """Ana holds NY-1 (expiring sooner than the registry says) and NJ-1 (not in the report),
    Ben's NY-2 is pending, Cara has no license yet, Dev has no NPN."""
    ids = {
        "ana": add_producer(c, agency_id, "Ana Diaz", npn="1111111"),
        "ben": add_producer(c, agency_id, "Ben Okafor", npn="2222222"),
        "cara": add_producer(c, agency_id, "Cara Reyes", npn="3333333"),
        "dev": add_producer(c, agency_id, "Dev Patel"),
    }
    ids["ny1"] = add_license(c, agency_id, ids["ana"], "NY", "NY-1", expires=date(2027, 1, 31))
    ids["nj1"] = add_license(
        c,
        agency_id,
        ids["ana"],
        "NJ",
        "NJ-1",
        lines=("property", "casualty"),
        expires=date(2027, 1, 31),
    )
    ids["ny2"] = add_license(
        c, agency_id, ids["ben"], "NY", "NY-2", expires=date(2027, 6, 30), verifier=None
    )
    return ids
