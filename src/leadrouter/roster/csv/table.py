"""Reading a roster CSV: the header, then each row as a draft of field values, with errors.

Nothing here touches the database; references stay as the text the file gave.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from leadrouter.roster.csv.columns import COLUMNS, Column, header_key, lookup


@dataclass(frozen=True)
class RowError:
    """Why one row (or, on line 1, the file) was refused."""

    line: int
    column: str
    reason: str


@dataclass
class Draft:
    """One row read: parsed values by spec field, producer references by spec field."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Table:
    drafts: list[Draft]
    errors: list[RowError]
    ignored_columns: list[str]
    rows: int
    unusable: bool = False
    """True when the file itself is refused (then no row is imported, ever)."""


def decode(data: str | bytes) -> str:
    """Text of an upload: UTF-8, with or without the byte-order mark spreadsheets add."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (byte {exc.start})") from None


def records(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    found = []
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            found.append((line, cells))
        line = reader.line_num + 1
    return found


def _header(
    kind: str, line: int, cells: list[str]
) -> tuple[dict[int, Column], list[str], list[RowError]]:
    known = lookup(kind)
    columns: dict[int, Column] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(cells):
        column = known.get(header_key(raw))
        if column is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if column.name in seen:
            errors.append(RowError(line, raw.strip(), f"the same column as {seen[column.name]!r}"))
            continue
        seen[column.name] = raw.strip()
        columns[index] = column
    for column in COLUMNS[kind]:
        if column.required and column.name not in seen:
            errors.append(RowError(line, column.name, "required column is missing"))
    return columns, ignored, errors


def _name_from_parts(kind: str, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
    """Clients exports often split the name; join first and last name into one column."""
    keys = [header_key(h) for h in header]
    if kind != "clients" or "name" in keys or not {"first_name", "last_name"} <= set(keys):
        return
    first, last = keys.index("first_name"), keys.index("last_name")
    header[first], header[last] = "", ""  # consumed: not reported as ignored
    header.append("name")
    for _, cells in rows:
        parts = [cells[i].strip() for i in (first, last) if i < len(cells)]
        cells.extend([""] * (len(header) - 1 - len(cells)))
        cells.append(" ".join(p for p in parts if p))


def _draft(
    line: int, cells: list[str], columns: dict[int, Column], width: int
) -> tuple[Draft, list[RowError]]:
    draft = Draft(line)
    errors: list[RowError] = []
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        errors.append(RowError(line, "", f"the row has {len(cells)} cells, the header {width}"))
    for index, column in columns.items():
        raw = cells[index] if index < len(cells) else ""
        if not raw.strip():
            if column.required:
                errors.append(RowError(line, column.name, "required, but empty"))
            elif column.ref:
                draft.refs[column.field] = None
            else:
                draft.values[column.field] = column.blank
            continue
        try:
            value = column.parse(raw)
        except ValueError as exc:
            errors.append(RowError(line, column.name, str(exc)))
            continue
        if column.ref:
            draft.refs[column.field] = value
        else:
            draft.values[column.field] = value
    return draft, errors


def read_table(kind: str, data: str | bytes) -> Table:
    """Parse a whole CSV of ``kind`` into drafts and row errors (the file's lines counted)."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown roster kind {kind!r}")
    try:
        read = records(decode(data))
    except (ValueError, csv.Error) as exc:
        return Table([], [RowError(1, "", f"not a readable CSV file: {exc}")], [], 0, unusable=True)
    if not read:
        return Table(
            [],
            [RowError(1, "", "the file is empty; it needs a header row")],
            [],
            0,
            unusable=True,
        )
    (header_line, header), rows = read[0], read[1:]
    _name_from_parts(kind, header, rows)
    columns, ignored, errors = _header(kind, header_line, header)
    if errors:
        return Table([], errors, ignored, len(rows), unusable=True)
    drafts = []
    for line, cells in rows:
        draft, row_errors = _draft(line, cells, columns, len(header))
        errors.extend(row_errors)
        if not row_errors:
            drafts.append(draft)
    return Table(drafts, errors, ignored, len(rows))


def count_rows(data: str | bytes) -> int:
    """How many data rows a CSV has (to size a progress bar); 0 when it is unreadable."""
    try:
        return max(len(records(decode(data))) - 1, 0)
    except (ValueError, csv.Error):
        return 0


def most_rows(data: bytes) -> int:
    """At least as many as ``count_rows``, found without parsing (the lines after the header):
    a request can tell a large file at once. Exact for a file without blank lines or line
    breaks inside quoted cells."""
    breaks = max(data.count(b"\n"), data.count(b"\r"))  # every record ends in \n, \r or both
    lines = breaks + (1 if data and not data.endswith((b"\n", b"\r")) else 0)
    return max(lines - 1, 0)
