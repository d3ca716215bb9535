"""Seat usage (issue 34, item 3): a customer's seats of a tool as of a day — assigned, and
active in the 60 days before — read from `podbot import usage`, and the line a renewal shows:
"120 seats · 71 active (59 %) as of Nov 30 · right-size target 79"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import MAX_NAME, date_refusal, strict_date
from bot.domain.names import name_key

__all__ = [
    "DEFAULT_HEADROOM",
    "LOW_USE_PERCENT",
    "USAGE_COLUMNS",
    "Usage",
    "UsageRow",
    "parse_usage_csv",
    "right_size_target",
    "usage_line",
]

USAGE_COLUMNS = ("customer", "tool", "as_of", "seats_assigned", "seats_active")
# `[usage] headroom`: the share of active seats a right-sized renewal keeps on top.
DEFAULT_HEADROOM = Decimal("0.10")
# Below this share of assigned seats in use, the line is flagged ⚠️.
LOW_USE_PERCENT = 80
_SEATS = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class Usage:
    """A customer's seats of a tool as of a day."""

    as_of: date
    assigned: int
    active: int


@dataclass(frozen=True)
class UsageRow:
    """One line of a usage file."""

    customer: str
    tool: str
    usage: Usage
    line: int


def right_size_target(active: int, headroom: Decimal) -> int:
    """The seats a renewal needs: the active ones and `headroom` on top, rounded up."""
    exact = Decimal(active) * (1 + headroom)
    return math.ceil(exact)


def use_percent(usage: Usage) -> int:
    """Active seats as a whole percent of those assigned (half up)."""
    share = Decimal(100 * usage.active) / Decimal(usage.assigned)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def low_use(usage: Usage) -> bool:
    """Under 80 % of the assigned seats active (compared exactly, not as the rounded percent)."""
    return usage.active * 100 < LOW_USE_PERCENT * usage.assigned


def _day(day: date, today: date) -> str:
    return f"{day:%b} {day.day}" + ("" if day.year == today.year else f", {day.year}")


def usage_line(usage: Usage, headroom: Decimal, today: date) -> str:
    """`120 seats · 71 active (59 %) as of Nov 30 · right-size target 79`, led by ⚠️ under 80 %
    use (the year is shown when it is not `today`'s)."""
    line = (
        f"{usage.assigned} seat{'s' if usage.assigned != 1 else ''} · {usage.active} active "
        f"({use_percent(usage)} %) as of {_day(usage.as_of, today)} · right-size target "
        f"{right_size_target(usage.active, headroom)}"
    )
    return f":warning: {line}" if low_use(usage) else line


def _name(value: str, column: str, reasons: list[str]) -> str:
    name = " ".join(value.split())
    if not name:
        reasons.append(f"{column} is blank.")
    elif len(name) > MAX_NAME:
        reasons.append(f"{column} is longer than {MAX_NAME} characters.")
        return ""
    return name


def _seats(value: str, column: str, reasons: list[str]) -> int | None:
    if not _SEATS.fullmatch(value.replace(",", "")):
        reasons.append(f"{column} `{value[:30]}` is not a whole number of seats.")
        return None
    return int(value.replace(",", ""))


def parse_usage_csv(text: str) -> tuple[list[UsageRow], list[RowError]]:
    """Every snapshot of a usage CSV (`customer,tool,as_of,seats_assigned,seats_active`), or
    every reason (with its file line) it cannot be read: all rows or none."""
    lines, errors = read_table(text, USAGE_COLUMNS)
    rows: list[UsageRow] = []
    first_line: dict[tuple[str, str, date], int] = {}
    for line in lines:
        cell = line.cells
        reasons: list[str] = []
        customer = _name(cell["customer"], "customer", reasons)
        tool = _name(cell["tool"], "tool", reasons)
        as_of = strict_date(cell["as_of"]) if cell["as_of"] else None
        if as_of is None:
            reasons.append(
                "as_of is blank; write it as YYYY-MM-DD."
                if not cell["as_of"]
                else date_refusal(cell["as_of"], "as_of")
            )
        assigned = _seats(cell["seats_assigned"], "seats_assigned", reasons)
        active = _seats(cell["seats_active"], "seats_active", reasons)
        if assigned is not None and assigned < 1:
            reasons.append("seats_assigned must be at least 1.")
        elif assigned is not None and active is not None and active > assigned:
            reasons.append(f"seats_active ({active}) is more than seats_assigned ({assigned}).")
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if reasons:
            continue
        assert as_of is not None and assigned is not None and active is not None
        key = (name_key(customer), name_key(tool), as_of)
        if key in first_line:
            errors.append(
                RowError(
                    line.number,
                    f"{customer} · {tool} as of {as_of} is already on line {first_line[key]}; "
                    "list each customer, tool and day once.",
                )
            )
            continue
        first_line[key] = line.number
        rows.append(UsageRow(customer, tool, Usage(as_of, assigned, active), line.number))
    errors.sort(key=lambda error: error.line)
    return rows, errors
