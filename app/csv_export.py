"""CSV files that people open in a spreadsheet. A cell that starts with `=`, `+`, `-`, `@`,
a tab or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets, so
a shopper who types `=HYPERLINK(...)` as their name would run it on the supplier's machine
(CSV injection). As OWASP recommends, such a cell gets a single quote in front and is
otherwise kept as it was; `unescape_cell` undoes it when such a file comes back to us.
Every CSV export goes through `csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet will show it, never as a formula (non-text is left alone)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """A cell of a file we exported, as it was before `safe_cell`."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The CSV file (header, then rows), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
