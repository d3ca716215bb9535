"""Reading a data file people keep in a spreadsheet: the header, then each non-blank line with
its file line number; every problem is a `RowError` naming its line.

Every import reads its file here (contracts, accounts, targets, requests): a UTF-8 BOM is
ignored, CRLF and line breaks inside quoted cells are counted correctly, header names are case-
and spacing-insensitive (`Term End` is `term_end`), and blank lines are skipped. A cell with a
control character in it is refused as commands refuse one (`control_character_problem`: tab
and line breaks are text), so no import stores a NUL or passes one to the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.grammar import control_character_problem

if TYPE_CHECKING:
    from _csv import Reader as CsvReader  # what csv.reader returns (a name for type checkers)

__all__ = ["Line", "RowError", "read_table"]

_HEADER_SPACING = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class RowError:
    """Why one line of a data file cannot be imported (line 1: the header)."""

    line: int
    reason: str


@dataclass(frozen=True)
class Line:
    """One data line: its number in the file and its cells by column name, stripped."""

    number: int
    cells: dict[str, str]


def read_table(
    text: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[Line], list[RowError]]:
    """The data lines of a CSV with these columns, and every reason a line cannot be read."""
    columns_text = ",".join(required) + "".join(f"[,{c}]" for c in optional)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [RowError(max(reader.line_num, 1), f"The header cannot be read as CSV: {exc}.")]
    if header is None or not any(cell.strip() for cell in header):
        return [], [RowError(1, f"The file has no header; its first line must be {columns_text}.")]
    columns, errors = _header(header, required, optional)
    if errors:
        return [], errors
    lines: list[Line] = []
    for number, cells in _data(reader, errors):
        if len(cells) != len(columns):
            errors.append(
                RowError(
                    number, f"The row has {len(cells)} cells but the header has {len(columns)}."
                )
            )
            continue
        # Before stripping: str.strip() takes some controls (U+001C-U+001F, U+0085) for space.
        invisible = [
            RowError(number, problem)
            for column, cell in zip(columns, cells, strict=True)
            if (problem := control_character_problem(cell, column)) is not None
        ]
        if invisible:
            errors.extend(invisible)
            continue
        lines.append(Line(number, dict(zip(columns, (c.strip() for c in cells), strict=True))))
    return lines, errors


def _data(reader: CsvReader, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(RowError(start, f"The file cannot be read as CSV from here on: {exc}."))
            return
        line, start = start, reader.line_num + 1
        if any(cell.strip() for cell in cells):  # blank lines and spreadsheets' empty rows
            yield line, cells


def _header(
    cells: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[str], list[RowError]]:
    invisible = [
        RowError(1, problem)
        for cell in cells
        if (problem := control_character_problem(cell, "the header")) is not None
    ]
    if invisible:
        return [], invisible
    if len(cells) == 1 and (";" in cells[0] or "\t" in cells[0]):
        return [], [RowError(1, "The header has one column: separate columns with commas.")]
    known = required + optional
    columns = [_HEADER_SPACING.sub("_", cell.strip().lower()) for cell in cells]
    errors: list[RowError] = []
    blank = [str(i) for i, name in enumerate(columns, start=1) if not name]
    if blank:
        errors.append(RowError(1, f"Header column(s) {', '.join(blank)} have no name."))
    unknown = [f"`{c}`" for c in dict.fromkeys(columns) if c and c not in known]
    if unknown:
        errors.append(
            RowError(
                1, f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(known)}."
            )
        )
    twice = [f"`{c}`" for c in dict.fromkeys(columns) if c and columns.count(c) > 1]
    if twice:
        errors.append(RowError(1, f"Column(s) {', '.join(twice)} appear more than once."))
    missing = [f"`{c}`" for c in required if c not in columns]
    if missing:
        errors.append(
            RowError(
                1,
                f"Required column(s) {', '.join(missing)} are missing; "
                f"the header needs {', '.join(required)}.",
            )
        )
    return columns, errors


class RowsRefused(Exception):
    """An import's rows refused once read against the database (an offline purchase of a
    customer with no account): every bad row with its line; nothing is imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"line {e.line}: {e.reason}" for e in errors))
        self.errors = errors
