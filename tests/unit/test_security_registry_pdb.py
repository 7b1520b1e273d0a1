"""The NIPR PDB layout of a registry report (issue 9, item 7)."""

from datetime import date

from leadrouter.compliance.registry_report import parse_report

PDB = b"""<?xml version="1.0" encoding="UTF-8"?>
<PDB>
  <PRODUCER>
    <INDIVIDUAL>
      <ENTITY_BIOGRAPHIC>
        <BIOGRAPHIC>
          <NAME_FIRST>Ana</NAME_FIRST><NAME_LAST>Diaz</NAME_LAST><NPN>1234567</NPN>
        </BIOGRAPHIC>
      </ENTITY_BIOGRAPHIC>
      <PRODUCER_LICENSING>
        <LICENSE_INFORMATION>
          <STATE name="TX">
            <LICENSE license_num="TX-77" date_issue_license_orig="03/15/2019"
                     date_expire_license="03/31/2027" license_class="General Lines Agent"
                     residency_status="R" active="Yes">
              <DETAILS>
                <DETAIL><LOA>Property and Casualty</LOA><STATUS>Active</STATUS></DETAIL>
                <DETAIL><LOA>Life</LOA><STATUS>Inactive</STATUS></DETAIL>
              </DETAILS>
            </LICENSE>
          </STATE>
          <STATE name="OK">
            <LICENSE license_num="OK-9" date_issue_license_orig="01/02/2021"
                     residency_status="NR" active="Yes">
              <DETAILS><DETAIL><LOA>Casualty</LOA><STATUS>Active</STATUS></DETAIL></DETAILS>
            </LICENSE>
          </STATE>
        </LICENSE_INFORMATION>
      </PRODUCER_LICENSING>
    </INDIVIDUAL>
  </PRODUCER>
</PDB>
"""


def test_a_pdb_report_takes_state_npn_and_lines_from_their_enclosing_elements() -> None:
    report = parse_report(PDB, format="xml")

    assert report.errors == () and report.records == 2
    tx, ok = sorted(report.licenses, key=lambda lic: lic.state, reverse=True)
    assert (tx.npn, tx.state, tx.number, tx.resident) == ("1234567", "TX", "TX-77", True)
    assert tx.lines == {"property", "casualty"}  # Life is inactive
    assert (tx.issue_date, tx.expiration_date) == (date(2019, 3, 15), date(2027, 3, 31))
    assert (ok.npn, ok.state, ok.resident, ok.lines) == ("1234567", "OK", False, {"casualty"})
