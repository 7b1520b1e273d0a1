"""Reading a registry report in CSV: columns, spellings, merged rows, row-level problems."""

from datetime import date

import pytest

from leadrouter.compliance.registry_report import detect_format, parse_report
from leadrouter.errors import ValidationFailed

HEADER = (
    "NPN,License Number,State,License Class,Line of Authority,Residency,Active,"
    "Issue Date,Expiration Date\n"
)


def parse(body: str, header: str = HEADER):  # type: ignore[no-untyped-def]
    return parse_report((header + body).encode(), format="csv")


def test_rows_of_one_license_one_line_of_authority_each_become_one_license() -> None:
    report = parse(
        "1234567,NY-1,NY,Insurance Producer,Property,Resident,Yes,01/15/2020,2027-01-31\n"
        "1234567,NY-1,NY,Insurance Producer,Casualty,Resident,Yes,01/15/2020,2027-01-31\n"
        "1234567,NY-1,NY,Insurance Producer,Life,Resident,No,01/15/2020,2027-01-31\n"
    )
    [lic] = report.licenses
    assert (lic.npn, lic.state, lic.number, lic.license_class) == (
        "1234567",
        "NY",
        "NY-1",
        "Insurance Producer",
    )
    assert lic.lines == {"property", "casualty"}  # the inactive Life line grants nothing
    assert (lic.resident, lic.active) == (True, True)
    assert (lic.issue_date, lic.expiration_date) == (date(2020, 1, 15), date(2027, 1, 31))
    assert lic.where == ("line 2", "line 3", "line 4")
    assert report.records == 3 and report.errors == ()


def test_lines_joined_in_one_cell_use_the_roster_importers_spellings() -> None:
    report = parse(
        "42,NJ-9,nj,Producer,P&C; Accident & Health; Personal Lines,NR,Active,2021-02-01,\n"
    )
    [lic] = report.licenses
    assert lic.lines == {"property", "casualty", "accident_health", "personal_lines"}
    assert (lic.state, lic.resident, lic.expiration_date) == ("NJ", False, None)


def test_a_line_leadrouter_does_not_route_on_is_ignored_with_a_note() -> None:
    report = parse("42,NJ-9,NJ,Producer,Property;Crop,R,Y,2021-02-01,2027-01-01\n")
    assert report.licenses[0].lines == {"property"}
    assert [(w.where, w.reason) for w in report.warnings] == [
        ("line 2", "line of authority 'Crop' is not one leadrouter routes on; ignored")
    ]


def test_a_bad_row_is_named_with_its_line_and_field_and_the_rest_is_read() -> None:
    report = parse(
        "42,NJ-9,ZZ,Producer,Property,R,Y,2021-02-01,2027-01-01\n"
        "abc,NJ-9,NJ,Producer,Property,R,Y,2021-02-01,2027-01-01\n"
        "43,NJ-8,NJ,Producer,Property,R,Y,31.01.2021,\n"
        "44,,NJ,Producer,Property,R,Y,2021-01-01,\n"
        "45,NJ-7,NJ,Producer,Property,R,Y,2021-01-01,2027-01-01\n"
    )
    assert [(e.where, e.field) for e in report.errors] == [
        ("line 2", "state"),
        ("line 3", "npn"),
        ("line 4", "issue_date"),
        ("line 5", "number"),
    ]
    assert report.errors[0].reason == "'ZZ' is not a two-letter US state code"
    assert [lic.npn for lic in report.licenses] == ["45"]
    assert report.unsure_npns == {"42", "43", "44"}  # "abc" names nobody
    assert report.npns == {"42", "43", "44", "45"}


def test_records_that_disagree_on_residency_are_refused_for_that_license() -> None:
    report = parse(
        "42,NJ-9,NJ,Producer,Property,Resident,Y,2021-02-01,\n"
        "42,NJ-9,NJ,Producer,Casualty,Non-Resident,Y,2021-02-01,\n"
    )
    assert report.licenses == ()
    assert [(e.field, e.npn) for e in report.errors] == [("residency", "42")]


def test_header_aliases_and_column_order_do_not_matter() -> None:
    report = parse(
        "2027-01-31,Y,R,Life,CT-1,CT,7\n",
        header="Expiry Date,Status,Resident,LOA,License No,Jurisdiction,"
        "National Producer Number,Issue Date\n",
    )
    assert report.errors[0].field == "issue_date"  # present but empty: still required
    report = parse(
        "2027-01-31,Y,R,Life,CT-1,CT,7,2020-01-01\n",
        header="Expiry Date,Status,Resident,LOA,License No,Jurisdiction,"
        "National Producer Number,Issue Date\n",
    )
    assert [(lic.npn, lic.number, lic.state) for lic in report.licenses] == [("7", "CT-1", "CT")]


def test_a_file_without_the_needed_columns_is_refused_naming_them() -> None:
    with pytest.raises(ValidationFailed, match="missing column\\(s\\) license_number, residency"):
        parse("", header="NPN,State,Line of Authority,Active,Issue Date\n")


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xff\xfe\x00", b'"unterminated\n'])
def test_an_unreadable_file_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed):
        parse_report(data, format="csv")


def test_the_format_comes_from_the_name_or_the_first_character() -> None:
    assert detect_format(b"x", file_name="PDB.XML") == "xml"
    assert detect_format(b"\xef\xbb\xbf  <?xml?>") == "xml"
    assert detect_format(b"NPN,State") == "csv"
