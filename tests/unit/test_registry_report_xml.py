"""Reading a registry report in XML, safely: no DTD, no entities, no surprises."""

from datetime import date

import pytest

from leadrouter.compliance.registry_report import parse_report
from leadrouter.errors import ValidationFailed

REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<pdb:ProducerLicenseReport xmlns:pdb="urn:example:pdb">
  <pdb:Producer npn="1234567">
    <pdb:Name>Ana Diaz</pdb:Name>
    <pdb:Licenses>
      <pdb:License>
        <pdb:State>NY</pdb:State><pdb:LicenseNumber>NY-1</pdb:LicenseNumber>
        <pdb:LicenseClass>Insurance Producer</pdb:LicenseClass>
        <pdb:Residency>Resident</pdb:Residency><pdb:Active>Yes</pdb:Active>
        <pdb:IssueDate>2020-01-15</pdb:IssueDate>
        <pdb:ExpirationDate>2027-01-31T00:00:00</pdb:ExpirationDate>
        <pdb:LinesOfAuthority>
          <pdb:LineOfAuthority active="Yes">Property</pdb:LineOfAuthority>
          <pdb:LineOfAuthority><pdb:Description>Life</pdb:Description><pdb:Active>No</pdb:Active>
          </pdb:LineOfAuthority>
          <pdb:LOA>Casualty</pdb:LOA>
        </pdb:LinesOfAuthority>
      </pdb:License>
    </pdb:Licenses>
  </pdb:Producer>
  <License npn="999" state="CT" licenseNumber="C-1" residency="NR" active="true"
           issueDate="01/01/2020"><LineOfAuthority>Personal Lines</LineOfAuthority></License>
</pdb:ProducerLicenseReport>
"""


def test_licenses_are_read_from_elements_attributes_and_enclosing_producers() -> None:
    report = parse_report(REPORT, format="xml")
    assert report.errors == () and report.records == 2
    ny, ct = report.licenses
    assert (ny.npn, ny.state, ny.number, ny.license_class) == (
        "1234567",
        "NY",
        "NY-1",
        "Insurance Producer",
    )
    assert ny.lines == {"property", "casualty"}  # Life is marked inactive
    assert (ny.issue_date, ny.expiration_date, ny.resident) == (
        date(2020, 1, 15),
        date(2027, 1, 31),
        True,
    )
    assert (ct.npn, ct.state, ct.number, ct.resident, ct.lines) == (
        "999",
        "CT",
        "C-1",
        False,
        {"personal_lines"},
    )
    assert (ct.issue_date, ct.where) == (date(2020, 1, 1), ("license 2",))


def test_a_license_missing_a_field_is_a_problem_named_by_its_position() -> None:
    data = (
        b"<Report><Producer><NPN>77</NPN><License><State>NY</State>"
        b"<LicenseNumber>X</LicenseNumber><Active>Y</Active><Residency>R</Residency>"
        b"<LineOfAuthority>Life</LineOfAuthority></License></Producer></Report>"
    )
    report = parse_report(data, format="xml")
    assert [(e.where, e.field, e.npn) for e in report.errors] == [("license 1", "issue_date", "77")]
    assert report.unsure_npns == {"77"}


def billion_laughs(levels: int = 9) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels + 1)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]><lolz>&lol{levels};</lolz>'
    ).encode()


@pytest.mark.parametrize(
    "data",
    [
        billion_laughs(),
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.com/r.dtd"><r/>',
    ],
)
def test_a_file_with_a_dtd_or_entities_is_refused_before_anything_is_expanded(data: bytes) -> None:
    with pytest.raises(ValidationFailed, match="DTD or entities"):
        parse_report(data, format="xml")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<Report><License>", "not well-formed XML"),
        (b"<Report><Producer npn='1'/></Report>", "no <License> elements found"),
    ],
)
def test_a_broken_or_empty_xml_file_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        parse_report(data, format="xml")
