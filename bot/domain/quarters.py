"""Fiscal quarters (SPEC §5, §6) and the day the renewal calendar for a quarter is posted.

A fiscal year is named by the calendar year it *ends* in: with `fiscal_year_start_month = 2`,
FY2027 runs from 1 Feb 2026 to 31 Jan 2027, and `2027Q1` is Feb–Apr 2026. With the default
start month 1 fiscal and calendar years coincide, so `2027Q1` is Jan–Mar 2027. A quarter is
written `YYYYQn`; `str(quarter)` and `parse_quarter` use that one form. Functions are pure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.domain.grammar import GrammarError
from bot.domain.working_time import WorkCalendar, working_day_on_or_before

__all__ = [
    "Quarter",
    "QuarterError",
    "calendar_post_day",
    "next_quarter",
    "parse_quarter",
    "quarter_of",
]

_QUARTER_TEXT = re.compile(r"(?P<year>\d{4})\s*-?\s*[qQ](?P<number>\d{1,2})")
# Years a person might plan renewals for; also keeps date arithmetic far from date.min/max.
_FIRST_YEAR = 1901
_LAST_YEAR = 9998
_HOW_TO_WRITE = "write a quarter like `2027Q1`, or `next`"


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


def parse_quarter(text: str, start_month: int, today: date) -> Quarter:
    """Read `2027Q1`, `2027q1` or `next` (the quarter after `today`'s) as a Quarter."""
    cleaned = text.strip()
    if cleaned.lower() == "next":
        return next_quarter(today, start_month)
    match = _QUARTER_TEXT.fullmatch(cleaned)
    if match is None:
        raise QuarterError(f"`{cleaned[:30]}` is not a quarter; {_HOW_TO_WRITE}.")
    year, number = int(match["year"]), int(match["number"])
    if not 1 <= number <= 4:
        raise QuarterError(f"`{cleaned}` has no quarter {number}: quarters are Q1 to Q4.")
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise QuarterError(f"`{cleaned}` is out of range; {_HOW_TO_WRITE}.")
    return Quarter(year, number, start_month)


def calendar_post_day(quarter: Quarter, calendar: WorkCalendar, days_before: int) -> date:
    """The last working day on or before `days_before` days ahead of the quarter's start."""
    return working_day_on_or_before(calendar, quarter.start - timedelta(days=days_before))
