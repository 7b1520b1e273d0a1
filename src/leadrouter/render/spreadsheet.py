"""Cells that a spreadsheet would take for a formula are neutralised (CSV injection).

A cell from a person (a name, a note, a source) that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is prefixed with an apostrophe, which Excel, LibreOffice and
Google Sheets show as text and never evaluate (OWASP's advice). Numbers we write ourselves
are left alone: a negative ROI stays a number.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text
