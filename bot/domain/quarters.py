"""Fiscal quarters (SPEC §5, §6) and the day the renewal calendar for a quarter is posted.

A fiscal year is named by the calendar year it *ends* in: with `fiscal_year_start_month = 2`,
FY2027 runs from 1 Feb 2026 to 31 Jan 2027, and `2027Q1` is Feb–Apr 2026. With the default
start month 1 fiscal and calendar years coincide, so `2027Q1` is Jan–Mar 2027. A quarter is
written `YYYYQn`; `str(quarter)` uses that one form, and `parse_quarter` also reads the other
orders people type (`2027-Q1`, `Q1 2027`). Functions are pure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.domain.grammar import GrammarError
from bot.domain.working_time import WorkCalendar, working_day_on_or_before

__all__ = [
    "Quarter",
    "QuarterError",
    "calendar_post_day",
    "looks_like_quarter",
    "next_quarter",
    "parse_quarter",
    "quarter_at",
    "quarter_of",
    "split_quarter",
]

# What a person types for a quarter (SPEC §3), in either order, any case: the year and the
# quarter's number, `2027Q1`, `2027-Q1`, `2027 Q1`, `FY2027Q1`, `Q1 2027`, `Q1-2027`. Also what
# looks like a quarter but cannot be placed, to be refused as a quarter (not read as, say, a
# customer's name): no year (`Q1`) or two digits of it (`27Q1`, `Q1'27`).
_YEAR_FIRST = re.compile(
    r"(?:fy)?(?P<year>\d{4}|\d{2})?[-\s]*q(?P<number>\d{1,2})", re.IGNORECASE | re.ASCII
)
_NUMBER_FIRST = re.compile(
    r"q(?P<number>\d{1,2})(?:[-\s']*(?:fy)?(?P<year>\d{4}|\d{2}))?", re.IGNORECASE | re.ASCII
)
# Years a person might plan renewals for; also keeps date arithmetic far from date.min/max.
_FIRST_YEAR = 1901
_LAST_YEAR = 9998


class QuarterError(GrammarError):
    """Text that does not name a quarter; the message says how to write one."""


@dataclass(frozen=True, order=True)
class Quarter:
    """Quarter `number` (1–4) of fiscal year `fiscal_year`, whose year starts in `start_month`."""

    fiscal_year: int
    number: int
    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"a quarter number is 1 to 4, not {self.number}")
        if not 1 <= self.start_month <= 12:
            raise ValueError(f"a fiscal year starts in month 1 to 12, not {self.start_month}")
        if not _FIRST_YEAR <= self.fiscal_year <= _LAST_YEAR:
            raise ValueError(f"fiscal year {self.fiscal_year} is out of range")

    def __str__(self) -> str:
        return f"{self.fiscal_year}Q{self.number}"

    @property
    def fiscal_year_start(self) -> date:
        """The first day of the quarter's fiscal year."""
        # FY N ends in calendar year N, so a year starting after January begins in N - 1.
        year = self.fiscal_year - 1 if self.start_month > 1 else self.fiscal_year
        return date(year, self.start_month, 1)

    @functools.cached_property  # KPIs ask thousands of times per answer
    def start(self) -> date:
        """The quarter's first day."""
        return self.fiscal_year_start + relativedelta(months=3 * (self.number - 1))

    @functools.cached_property
    def end(self) -> date:
        """The quarter's last day."""
        return self.start + relativedelta(months=3) - timedelta(days=1)

    def months(self) -> list[date]:
        """The first day of each of the quarter's three months, in order."""
        return [self.start + relativedelta(months=i) for i in range(3)]

    def contains(self, day: date) -> bool:
        """Whether `day` falls in the quarter."""
        return self.start <= day <= self.end

    def next(self) -> Quarter:
        """The quarter right after this one."""
        if self.number == 4:
            return Quarter(self.fiscal_year + 1, 1, self.start_month)
        return Quarter(self.fiscal_year, self.number + 1, self.start_month)


def quarter_of(day: date, start_month: int = 1) -> Quarter:
    """The fiscal quarter holding `day`."""
    months_in = (day.month - start_month) % 12
    # Months from the start month on belong to the fiscal year that ends next calendar year.
    fiscal_year = day.year + 1 if start_month > 1 and day.month >= start_month else day.year
    return Quarter(fiscal_year, months_in // 3 + 1, start_month)


def next_quarter(day: date, start_month: int = 1) -> Quarter:
    """The fiscal quarter after the one holding `day`."""
    return quarter_of(day, start_month).next()


def looks_like_quarter(text: str) -> bool:
    """Whether `text` is written as a quarter, placeable or not (`2027Q1`, `Q1 2027`, `Q1`)."""
    return _quarter_parts(text) is not None


def quarter_at(words: Sequence[str], start: int = 0) -> tuple[int, int] | None:
    """Where the first quarter-like text among `words` (from `start`) is: its index and how
    many words it takes (two for `Q1 2027` and `2027 Q1`, else one); None when there is none."""
    for i in range(start, len(words)):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and not _has_year(words[i]) and looks_like_quarter(pair):
            return i, 2
        if looks_like_quarter(words[i]):
            return i, 1
    return None


def split_quarter(text: str) -> tuple[str | None, str]:
    """The quarter `text` starts with (one word, or two: `Q1 2027`, `2027 Q1`) and the rest;
    (None, text) when it starts with none."""
    words = text.split()
    found = quarter_at(words[:2])
    if found is None or found[0] != 0:
        return None, text.strip()
    return " ".join(words[: found[1]]), " ".join(words[found[1] :])


def parse_quarter(text: str, start_month: int, today: date, *, next_too: bool = True) -> Quarter:
    """Read a quarter as `looks_like_quarter` takes it with its year in four digits (`2027Q1`,
    `Q1 2027`), or `next` (the quarter after `today`'s) when `next_too`. A refusal says
    "write the quarter like 2026Q4", with today's fiscal year."""
    cleaned = " ".join(text.split())
    if next_too and cleaned.lower() == "next":
        return next_quarter(today, start_month)
    shown = f"`{cleaned[:30]}`"
    parts = _quarter_parts(cleaned)
    if parts is None:
        also = ", or `next`" if next_too else ""
        raise QuarterError(f"{shown} is not a quarter; {_how_to_write(today, start_month)}{also}.")
    year, number = parts
    if not 1 <= number <= 4:
        raise QuarterError(f"{shown} has no quarter {number}: quarters are Q1 to Q4.")
    if year is None or len(year) != 4:
        said = "no year" if year is None else "a two-digit year"
        how = _how_to_write(today, start_month, number, year)
        raise QuarterError(f"{shown} has {said}; {how}.")
    if not _FIRST_YEAR <= int(year) <= _LAST_YEAR:
        raise QuarterError(f"{shown} is out of range; {_how_to_write(today, start_month)}.")
    return Quarter(int(year), number, start_month)


def _quarter_parts(text: str) -> tuple[str | None, int] | None:
    """(the year as typed or None, the quarter's number) of text written as a quarter."""
    cleaned = " ".join(text.split())
    match = _YEAR_FIRST.fullmatch(cleaned) or _NUMBER_FIRST.fullmatch(cleaned)
    return None if match is None else (match["year"], int(match["number"]))


def _has_year(word: str) -> bool:
    parts = _quarter_parts(word)
    return parts is not None and parts[0] is not None


def _how_to_write(
    today: date, start_month: int, number: int | None = None, year: str | None = None
) -> str:
    """`write the quarter like 2026Q4`: the number typed, if any, in this fiscal year, or in
    the year two digits of it mean (`27Q1`: 2027Q1)."""
    current = quarter_of(today, start_month)
    shown = number if number is not None and 1 <= number <= 4 else current.number
    century = current.fiscal_year // 100 * 100
    fiscal_year = century + int(year) if year is not None else current.fiscal_year
    return f"write the quarter like {fiscal_year}Q{shown}"


def calendar_post_day(quarter: Quarter, calendar: WorkCalendar, days_before: int) -> date:
    """The last working day on or before `days_before` days ahead of the quarter's start."""
    return working_day_on_or_before(calendar, quarter.start - timedelta(days=days_before))
