"""The examples in docs/csv-formats.md import cleanly, and every column is documented."""

import re
from pathlib import Path

from leadrouter.bootstrap import Container
from leadrouter.roster.csv.columns import COLUMNS
from leadrouter.services.roster.csv_import import import_csv
from tests.support.factories import make_agency

DOC = Path(__file__).resolve().parents[2] / "docs" / "csv-formats.md"


def _examples() -> dict[str, str]:
    sections = re.split(r"^## ", DOC.read_text(), flags=re.MULTILINE)[1:]
    found = {}
    for section in sections:
        kind = section.split("\n", 1)[0].strip()
        example = re.search(r"```csv\n(.*?)```", section, flags=re.DOTALL)
        if kind in COLUMNS and example:
            found[kind] = example.group(1)
    return found


def test_every_kind_has_an_example_and_documents_every_column() -> None:
    text = DOC.read_text()
    assert set(_examples()) == set(COLUMNS)
    for columns in COLUMNS.values():
        for column in columns:
            assert f"`{column.name}`" in text, column.name


def test_the_documented_examples_import_without_errors(container: Container) -> None:
    agency = make_agency(container)
    examples = _examples()
    for kind in ("producers", "licenses", "territories", "clients", "sources"):
        report = import_csv(
            uow=container.uow(),
            agency_id=agency.id,
            kind=kind,
            data=examples[kind],
            now=container.clock.now(),
        )
        assert report.errors == () and report.committed, (kind, report.errors)
