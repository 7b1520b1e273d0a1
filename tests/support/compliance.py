"""Helpers for the compliance tests: a roster, registry reports, the rows they leave."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.tables import leads, outbox
from tests.support.factories import make_license, make_producer

ZIPS = {"NY": "10001", "NJ": "07030", "CT": "06901", "PA": "19103"}


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
        "ana": make_producer(c, agency_id, name="Ana Diaz", npn="1111111"),
        "ben": make_producer(c, agency_id, name="Ben Okafor", npn="2222222"),
        "cara": make_producer(c, agency_id, name="Cara Reyes", npn="3333333"),
        "dev": make_producer(c, agency_id, name="Dev Patel"),
    }
    ids["ny1"] = make_license(c, agency_id, ids["ana"], "NY", "NY-1", expires=date(2027, 1, 31))
    ids["nj1"] = make_license(
        c,
        agency_id,
        ids["ana"],
        "NJ",
        "NJ-1",
        lines=("property", "casualty"),
        expires=date(2027, 1, 31),
    )
    ids["ny2"] = make_license(
        c, agency_id, ids["ben"], "NY", "NY-2", expires=date(2027, 6, 30), verifier=None
    )
    return ids
