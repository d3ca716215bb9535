"""Issue 34, item 3: a usage file read all rows or none (bad rows by line), and the usage line
a renewal shows, against hand-worked figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.usage import (
    Usage,
    UsageRow,
    low_use,
    parse_usage_csv,
    right_size_target,
    usage_line,
)

HEADER = "customer,tool,as_of,seats_assigned,seats_active"
TODAY = date(2026, 12, 7)


def test_the_usage_line_by_hand() -> None:
    # 71 of 120 active: 59.17 % → 59 %, under 80 % (⚠️); target 71 × 1.10 = 78.1 → 79.
    line = usage_line(Usage(date(2026, 11, 30), 120, 71), Decimal("0.10"), TODAY)
    assert line == (":warning: 120 seats · 71 active (59 %) as of Nov 30 · right-size target 79")
    # 96 of 120 is 80 %: not flagged; target 96 × 1.10 = 105.6 → 106. Last year's day says so.
    line = usage_line(Usage(date(2025, 11, 30), 120, 96), Decimal("0.10"), TODAY)
    assert line == "120 seats · 96 active (80 %) as of Nov 30, 2025 · right-size target 106"
    # No headroom: the target is the active seats; 0 active of 1 is 0 %.
    assert right_size_target(71, Decimal(0)) == 71
    assert usage_line(Usage(TODAY, 1, 0), Decimal("0.25"), TODAY) == (
        ":warning: 1 seat · 0 active (0 %) as of Dec 7 · right-size target 0"
    )


@given(st.integers(1, 100_000), st.data())
def test_the_flag_is_exactly_under_80_percent(assigned: int, data: st.DataObject) -> None:
    active = data.draw(st.integers(0, assigned))
    assert low_use(Usage(TODAY, assigned, active)) == (Decimal(active) / assigned < Decimal("0.8"))
    target = right_size_target(active, Decimal("0.10"))
    assert target >= Decimal(active) * Decimal("1.1") > target - 1


def test_a_good_file_reads_every_row() -> None:
    rows, errors = parse_usage_csv(
        f"\ufeff{HEADER}\r\nAcme Corp,Figma,2026-11-30,120,71\r\nAcme Corp,Figma,2026-10-31,"
        '"1,200",900\r\n'
    )
    assert errors == []
    assert rows == [
        UsageRow("Acme Corp", "Figma", Usage(date(2026, 11, 30), 120, 71), 2),
        UsageRow("Acme Corp", "Figma", Usage(date(2026, 10, 31), 1200, 900), 3),
    ]


def test_a_bad_file_names_every_bad_row_by_its_line() -> None:
    rows, errors = parse_usage_csv(
        "\n".join(
            [
                HEADER,
                "Acme Corp,Figma,2026-11-30,120,71",
                ",Figma,2026-11-30,120,71",
                "Acme Corp,Miro,30/11/2026,120,71",
                "Acme Corp,Slack,2026-11-30,many,71",
                "Acme Corp,Zoom,2026-11-30,50,60",
                "Acme Corp,Notion,2026-11-30,0,0",
                "ACME  corp,figma,2026-11-30,120,70",
                "Acme Corp,Jira,2026-11-30,10",
            ]
        )
    )
    assert [(e.line, e.reason) for e in errors] == [
        (3, "customer is blank."),
        (4, "as_of `30/11/2026` is not a date; write it as YYYY-MM-DD."),
        (5, "seats_assigned `many` is not a whole number of seats."),
        (6, "seats_active (60) is more than seats_assigned (50)."),
        (7, "seats_assigned must be at least 1."),
        (
            8,
            "ACME corp · figma as of 2026-11-30 is already on line 2; list each customer, tool "
            "and day once.",
        ),
        (9, "The row has 4 cells but the header has 5."),
    ]
    assert len(rows) == 1
