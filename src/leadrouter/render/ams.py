"""The AMS export as CSV text, every cell neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from leadrouter.render.spreadsheet import safe_cell
from leadrouter.services.reports.export import COLUMNS


def export_csv_chunks(rows: Iterable[tuple[str, ...]], *, every: int = 500) -> Iterator[str]:
    """The header and rows as CSV, in chunks of ``every`` rows (for streaming)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if n % every == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
