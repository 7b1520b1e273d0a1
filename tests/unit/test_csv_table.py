"""Reading roster CSV files: headers, line numbers, blank cells, row errors (no database)."""

import pytest

from leadrouter.roster.csv.table import RowError, count_rows, most_rows, read_table
from leadrouter.roster.specs import DEFAULT_HOURS


def test_each_bad_cell_is_reported_with_its_line_and_column() -> None:
    table = read_table(
        "producers",
        (
            "external_id,name,email,phone,working_hours\n"
            "P1,Ana,ana@example.com,(212) 736-0101,Mon-Fri 09:00-17:00\n"
            "P2,,not-an-email,12,Mon 18:00-09:00\n"
        ),
    )
    assert [d.line for d in table.drafts] == [2]
    assert {(e.line, e.column) for e in table.errors} == {
        (3, "name"),
        (3, "email"),
        (3, "phone"),
        (3, "working_hours"),
    }


def test_line_numbers_count_physical_lines_even_with_quoted_newlines_and_blank_lines() -> None:
    table = read_table("sources", ('name,cost_per_lead\n"Web\nform",1.00\n\nVendor,abc\n'))
    assert table.errors == [RowError(5, "cost_per_lead", "'abc' is not an amount")]
    assert table.rows == 2


def test_a_missing_required_column_refuses_the_whole_file() -> None:
    table = read_table("licenses", "producer,state,number\nP1,NY,123\n")
    assert table.unusable
    assert {e.column for e in table.errors} == {"lines", "resident", "effective_date"}
    assert all(e.line == 1 for e in table.errors)


def test_headers_match_loosely_and_unknown_columns_are_ignored_and_listed() -> None:
    table = read_table(
        "producers", "Name, E-mail ,Time Zone,Favourite Color\nAna,A@x.com,UTC,red\n"
    )
    assert table.errors == []
    assert table.ignored_columns == ["Favourite Color"]
    assert table.drafts[0].values == {"name": "Ana", "email": "a@x.com", "timezone": "UTC"}


def test_a_repeated_column_is_refused() -> None:
    table = read_table("sources", "name,cost,cost_per_lead\nWeb,1,2\n")
    assert table.unusable
    assert table.errors == [RowError(1, "cost_per_lead", "the same column as 'cost'")]


def test_blank_cells_take_the_columns_default_and_absent_columns_are_left_out() -> None:
    table = read_table("producers", "name,email,working_hours,backup\nAna,a@x.com,,\n")
    draft = table.drafts[0]
    assert draft.values["working_hours"] == DEFAULT_HOURS
    assert draft.refs == {"backup_producer_id": None}
    assert "max_open" not in draft.values


def test_a_spreadsheet_byte_order_mark_does_not_break_the_header() -> None:
    table = read_table("sources", "\ufeffname,cost_per_lead\nWeb,0\n".encode())
    assert table.errors == []
    assert table.drafts[0].values["name"] == "Web"


def test_a_file_that_is_not_utf8_is_refused_on_line_one() -> None:
    table = read_table("sources", "name\nCaf\xe9\n".encode("latin-1"))
    assert table.unusable
    assert "not UTF-8" in table.errors[0].reason


def test_an_empty_file_needs_a_header() -> None:
    table = read_table("clients", "")
    assert table.unusable
    assert "header" in table.errors[0].reason


def test_client_exports_with_first_and_last_name_get_a_name() -> None:
    table = read_table("clients", "first_name,last_name,email\nJane,Doe,jane@example.com\n")
    assert table.errors == []
    assert table.ignored_columns == []
    assert table.drafts[0].values["name"] == "Jane Doe"


def test_extra_cells_beyond_the_header_are_an_error() -> None:
    table = read_table("sources", "name,cost_per_lead\nWeb,1,surprise\n")
    assert table.errors == [RowError(2, "", "the row has 3 cells, the header 2")]


def test_count_rows_sizes_the_progress_bar() -> None:
    assert count_rows(b"name\nA\n\nB\n") == 2
    assert count_rows(b"") == 0


@pytest.mark.parametrize(
    "data",
    [
        b"name\nA\nB\n",
        b"name\nA\nB",
        b"name\r\nA\r\nB\r\n",
        b"name\rA\rB",  # old Mac line ends
        b"name\nA\n\nB\n",
        b'name,note\nA,"two\nlines"\nB,x\n',
        b"name\n",
        b"",
    ],
)
def test_most_rows_never_counts_fewer_rows_than_the_file_has(data: bytes) -> None:
    assert most_rows(data) >= count_rows(data)
    if b"\n\n" not in data and b'"' not in data:
        assert most_rows(data) == count_rows(data)
