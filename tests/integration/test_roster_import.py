"""CSV import, through the service and through POST /v1/import/{kind}, on both databases."""

from fastapi.testclient import TestClient

from leadrouter.bootstrap import Container
from leadrouter.domain.routing.territories import TerritoryIndex
from leadrouter.roster.csv.table import RowError
from leadrouter.services.roster.csv_import import import_csv
from leadrouter.store.roster_repo import load_roster
from leadrouter.store.routing_repo import roster_version
from tests.support.factories import make_agency
from tests.support.roster import headers_for

PRODUCERS = (
    "external_id,name,email,phone,timezone,working_hours,out_of_office,lines,max_open,"
    "max_daily,team,backup,role,active\n"
    "P001,Ana Diaz,ana@agency.example,(212) 736-0101,,Mon-Fri 09:00-17:00,2026-12-24..2026-12-31,"
    "personal;commercial,20,8,North,P002,producer,yes\n"
    "P002,Ben Ode,ben@agency.example,,America/Chicago,,,personal,,,North,ana@agency.example,,\n"
    "P003,Cy Park,cy@agency.example,,,,,,,,South,,csr,no\n"
)

BAD_PRODUCERS = (
    "external_id,name,email,phone,working_hours,backup\n"
    "P001,Ana Diaz,ana@agency.example,(212) 736-0101,Mon-Fri 09:00-17:00,P007\n"
    "P002,,ben@agency.example,,,\n"
    "P003,Cy Park,not-an-email,123,,\n"
    "P004,Di Roe,di@agency.example,,Mon 17:00-09:00,\n"
    "P005,Ed Loy,ed@agency.example,,,P002\n"
    "P006,Flo Ray,ANA@agency.example,,,\n"
    "P007,Gus Lee,gus@agency.example,,,P001\n"
)


def _import(c: Container, agency_id: int, kind: str, data: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return import_csv(
        uow=c.uow(), agency_id=agency_id, kind=kind, data=data, now=c.clock.now(), **kwargs
    )  # type: ignore[arg-type]


def _roster(c: Container, agency_id: int):  # type: ignore[no-untyped-def]
    with c.uow(readonly=True) as uow:
        return load_roster(uow.conn, agency_id)


def test_a_bad_csv_imports_nothing_and_names_each_bad_row(container: Container) -> None:
    agency = make_agency(container)
    report = _import(container, agency.id, "producers", BAD_PRODUCERS)
    assert not report.committed
    assert (report.created, report.updated) == (0, 0)
    assert {(e.line, e.column) for e in report.errors} == {
        (3, "name"),
        (4, "email"),
        (4, "phone"),
        (5, "working_hours"),
        (6, "backup"),
        (7, "email"),
    }
    assert RowError(7, "email", "the same as line 2") in report.errors
    assert _roster(container, agency.id).producers == ()


def test_skip_bad_rows_imports_the_good_rows_and_reports_the_rest(container: Container) -> None:
    agency = make_agency(container)
    report = _import(container, agency.id, "producers", BAD_PRODUCERS, skip_bad_rows=True)
    assert report.committed
    assert (report.created, report.skipped) == (2, 5)
    ana, gus = _roster(container, agency.id).producers
    assert (ana.backup_producer_id, gus.backup_producer_id) == (gus.id, ana.id)


def test_producers_import_with_backups_hours_and_time_zones(container: Container) -> None:
    agency = make_agency(container)
    report = _import(container, agency.id, "producers", PRODUCERS)
    assert (report.committed, report.created, report.errors) == (True, 3, ())
    ana, ben, cy = _roster(container, agency.id).producers
    assert (ana.backup_producer_id, ben.backup_producer_id) == (ben.id, ana.id)
    assert ana.phone == "+12127360101"
    assert ana.out_of_office[0].start.isoformat() == "2026-12-24T05:00:00+00:00"
    assert (ana.timezone, ben.timezone) == ("America/New_York", "America/Chicago")
    assert len(ben.working_hours) == 5
    assert (cy.role, cy.active) == ("csr", False)


def test_importing_the_same_file_twice_changes_nothing(container: Container) -> None:
    agency = make_agency(container)
    _import(container, agency.id, "producers", PRODUCERS)
    before = _roster(container, agency.id)
    again = _import(container, agency.id, "producers", PRODUCERS)
    assert (again.created, again.updated) == (0, 3)
    assert _roster(container, agency.id) == before


def test_a_partial_file_updates_only_its_columns(container: Container) -> None:
    agency = make_agency(container)
    _import(container, agency.id, "producers", PRODUCERS)
    _import(
        container,
        agency.id,
        "producers",
        "external_id,email,name,max_open\nP001,ana@agency.example,Ana D.,30\n",
    )
    ana = _roster(container, agency.id).producers[0]
    assert (ana.name, ana.max_open, ana.max_daily, ana.team) == ("Ana D.", 30, 8, "North")


def test_every_roster_import_moves_the_roster_version(container: Container) -> None:
    agency = make_agency(container)
    with container.uow(readonly=True) as uow:
        start = roster_version(uow.conn, agency.id)
    _import(container, agency.id, "producers", PRODUCERS)
    _import(container, agency.id, "producers", BAD_PRODUCERS)  # refused: no change
    with container.uow(readonly=True) as uow:
        assert roster_version(uow.conn, agency.id) == start + 1


def test_licenses_refer_to_producers_by_external_id_or_email(container: Container) -> None:
    agency = make_agency(container)
    _import(container, agency.id, "producers", PRODUCERS)
    report = _import(
        container,
        agency.id,
        "licenses",
        (
            "producer,state,number,lines,resident,effective_date,expiration_date\n"
            "P001,NY,NY-1,Property; Casualty; Personal Lines,yes,2020-01-01,2027-01-01\n"
            "ben@agency.example,il,IL-2,Accident & Health,resident,2021-06-01,\n"
            "P999,NY,NY-3,Life,no,2020-01-01,\n"
            "P001,NY,NY-1,Life,no,2020-01-01,\n"
        ),
    )
    assert report.errors == (
        RowError(4, "producer", "no producer 'P999' in this agency (by external id or email)"),
        RowError(5, "number", "the same as line 2"),
    )
    assert not report.committed


def test_imported_licenses_are_pending_unless_someone_vouches(container: Container) -> None:
    agency = make_agency(container)
    _import(container, agency.id, "producers", PRODUCERS)
    csv = (
        "producer,state,number,lines,resident,effective_date\n"
        "P001,NY,NY-1,Personal Lines,yes,2020-01-01\n"
    )
    _import(container, agency.id, "licenses", csv)
    (lic,) = _roster(container, agency.id).licenses
    assert lic.verified_at is None
    _import(container, agency.id, "licenses", csv, verified_by="state registry")
    (lic,) = _roster(container, agency.id).licenses
    assert (lic.verified_by, lic.verified_at) == ("state registry", container.clock.now())
    _import(container, agency.id, "licenses", csv)  # unchanged: stays verified
    assert _roster(container, agency.id).licenses[0].verified_at is not None
    _import(container, agency.id, "licenses", csv.replace("Personal Lines", "Life"))
    assert _roster(container, agency.id).licenses[0].verified_at is None


def test_territories_clients_and_sources_import(container: Container) -> None:
    agency = make_agency(container)
    _import(container, agency.id, "producers", PRODUCERS)
    territories = _import(
        container,
        agency.id,
        "territories",
        (
            "name,zip_ranges,zip_prefixes,states,counties,pod,producer,lines\n"
            "North County,10001-10099,,,,North,,personal;commercial\n"
            "Brooklyn,,112,,NY:Kings,,P002,\n"
        ),
    )
    clients = _import(
        container,
        agency.id,
        "clients",
        (
            "Client ID,First Name,Last Name,Phone,E-mail,Owner,CSR,Policy Count\n"
            "C1,Grace,Liu,212-736-0141,Grace@Example.com,P001,P003,2\n"
        ),
    )
    sources = _import(
        container,
        agency.id,
        "sources",
        ("name,cost_per_lead,required_fields\nquotewizard,$18.50,first_name;phone\n"),
    )
    assert [r.created for r in (territories, clients, sources)] == [2, 1, 1]
    assert clients.ignored_columns == ("Policy Count",)
    north, brooklyn = _roster(container, agency.id).territories
    # Routing finds a North County ZIP in the imported range (the index it routes with).
    assert TerritoryIndex.build([north, brooklyn]).match(
        zip_code="10050",
        state=None,
        county=None,
        kinds=frozenset({"zip"}),
        business_line="personal",
        type_code="home",
    ) == ("zip", (north,))
    assert brooklyn.counties == {"NY:Kings County"} and brooklyn.pod is None


def test_progress_is_told_about_every_row(container: Container) -> None:
    agency = make_agency(container)
    ticks: list[int] = []
    _import(container, agency.id, "producers", PRODUCERS, progress=ticks.append)
    assert sum(ticks) == 3


def test_the_import_endpoint_reports_bad_rows_as_a_problem_and_imports_nothing(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/import/producers",
        content=BAD_PRODUCERS,
        headers={**agency.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"field": "line 3: name", "reason": "required, but empty"} in body["errors"]
    assert {e["line"] for e in body["report"]["errors"]} == {3, 4, 5, 6, 7}
    assert client.get("/v1/producers", headers=agency.headers).json()["items"] == []


def test_the_import_endpoint_imports_a_good_file(client: TestClient, container: Container) -> None:
    agency = make_agency(container)
    response = client.post(
        "/v1/import/producers",
        content=PRODUCERS,
        headers={**agency.headers, "Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "kind": "producers",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "skipped": 0,
        "errors": [],
        "ignored_columns": [],
    }
    skipped = client.post(
        "/v1/import/producers?skip_bad_rows=true",
        content=BAD_PRODUCERS,
        headers={**agency.headers, "Content-Type": "text/csv"},
    )
    assert skipped.status_code == 200
    assert skipped.json()["skipped"] == 4  # P005's backup P002 exists since the first file


def test_the_import_endpoint_wants_csv_and_the_right_role(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    as_json = client.post("/v1/import/producers", json={"x": 1}, headers=agency.headers)
    assert as_json.status_code == 415
    producer_key = headers_for(container, agency, "producer")
    refused = client.post(
        "/v1/import/producers",
        content=PRODUCERS,
        headers={**producer_key, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 403
    unknown = client.post(
        "/v1/import/cats",
        content="name\nTom\n",
        headers={**agency.headers, "Content-Type": "text/csv"},
    )
    assert unknown.status_code == 422


def test_licenses_imported_by_a_compliance_key_are_verified_by_it(
    client: TestClient, container: Container
) -> None:
    agency = make_agency(container)
    compliance = headers_for(container, agency, "compliance", name="Dana")
    client.post(
        "/v1/import/producers",
        content=PRODUCERS,
        headers={**agency.headers, "Content-Type": "text/csv"},
    )
    response = client.post(
        "/v1/import/licenses",
        headers={**compliance, "Content-Type": "text/csv"},
        content="producer,state,number,lines,resident,effective_date\nP001,NY,1,Life,yes,2020-01-01\n",
    )
    assert response.status_code == 200
    (lic,) = client.get("/v1/licenses", headers=agency.headers).json()["items"]
    assert lic["verified"] and lic["verified_by"].startswith("Dana (key ")
    assert lic["source"] == "csv"
