"""Writing the CSV files podbot posts (the aging report's, the KPI table's, the renewal
calendar's, the check-in pack's): every one is written here, by `write_table`.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula, so a customer named `=HYPERLINK(…)` or a blocker typed as
`-1+1` would be live in a file posted to the POD channel (CSV injection). Cells are typed: a
string that begins with one of those characters gets a leading `'` (OWASP's rule; the
spreadsheet shows the text and hides the apostrophe), while numbers podbot computes — ints,
floats and Decimals, negative ones included — are written as numbers, untouched.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal

__all__ = ["FORMULA_START", "Cell", "neutralised", "write_table"]

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A cell: text (neutralised), a number (written as is), or None (an empty cell).
Cell = str | int | float | Decimal | None


def neutralised(text: str) -> str:
    """The text as a spreadsheet shows it instead of running it: a leading `'` when it
    begins with a formula character, else unchanged."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _written(cell: Cell) -> str | int | float:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return neutralised(cell)
    if isinstance(cell, bool):
        # A bool is an int to Python; in a file people read it is a word podbot chooses.
        raise TypeError("a CSV cell is text or a number, not a bool")
    if isinstance(cell, Decimal):
        # Plain digits, never an exponent (3.2E+4 is 32000); NaN and ±Infinity are text.
        return f"{cell:f}" if cell.is_finite() else neutralised(str(cell))
    if isinstance(cell, float) and not math.isfinite(cell):
        return neutralised(str(cell))  # "-inf" would be a formula
    if isinstance(cell, int | float):
        return cell
    raise TypeError(f"a CSV cell is text or a number, not {type(cell).__name__}")


def write_table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The header, then one line per row, as CSV text (RFC 4180: CRLF line ends, quotes where
    a cell needs them); encode it as UTF-8 to post it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralised(name) for name in header])
    writer.writerows([_written(cell) for cell in row] for row in rows)
    return out.getvalue()
