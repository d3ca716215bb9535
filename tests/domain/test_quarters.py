"""SPEC §5/§6 quarters: fiscal quarters, `YYYYQn`, and the day each renewal calendar is posted.

The post day is the last working day on or before (quarter start − 28 days). 28 days are four
whole weeks, so start − 28 falls on the same weekday as the quarter's first day; the expected
days below were worked out by hand from that weekday and the calendar, not by the code under
test. Calendar: Mon–Fri in Asia/Kolkata with these holidays: Holi (Wed 4 Mar 2026), Good
Friday (Fri 3 Apr 2026), Gandhi Jayanti (Fri 2 Oct 2026) and Christmas (Fri 25 Dec 2026).
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.quarters import (
    Quarter,
    QuarterError,
    calendar_post_day,
    next_quarter,
    parse_quarter,
    quarter_of,
)
from bot.domain.working_time import WorkCalendar

HOLIDAYS = (date(2026, 3, 4), date(2026, 4, 3), date(2026, 10, 2), date(2026, 12, 25))
KOLKATA = WorkCalendar.from_names("Asia/Kolkata", ("mon", "tue", "wed", "thu", "fri"), HOLIDAYS)
TODAY = date(2026, 11, 23)

# (quarter, first day, last day, post day) with calendar quarters (fiscal year starts in January).
CALENDAR_QUARTERS = [
    # Thu 1 Jan 2026 − 28 = Thu 4 Dec 2025, a working day.
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31), date(2025, 12, 4)),
    # Wed 1 Apr − 28 = Wed 4 Mar 2026, Holi (a holiday) → Tue 3 Mar.
    ("2026Q2", date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 3)),
    # Wed 1 Jul − 28 = Wed 3 Jun 2026.
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30), date(2026, 6, 3)),
    # Thu 1 Oct − 28 = Thu 3 Sep 2026.
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31), date(2026, 9, 3)),
    # Fri 1 Jan 2027 − 28 = Fri 4 Dec 2026.
    ("2027Q1", date(2027, 1, 1), date(2027, 3, 31), date(2026, 12, 4)),
    # Thu 1 Apr − 28 = Thu 4 Mar 2027 (Holi is a 2026 holiday only).
    ("2027Q2", date(2027, 4, 1), date(2027, 6, 30), date(2027, 3, 4)),
    # Thu 1 Jul − 28 = Thu 3 Jun 2027.
    ("2027Q3", date(2027, 7, 1), date(2027, 9, 30), date(2027, 6, 3)),
    # Fri 1 Oct − 28 = Fri 3 Sep 2027.
    ("2027Q4", date(2027, 10, 1), date(2027, 12, 31), date(2027, 9, 3)),
    # Sat 1 Jan 2028 − 28 = Sat 4 Dec 2027, a weekend → Fri 3 Dec.
    ("2028Q1", date(2028, 1, 1), date(2028, 3, 31), date(2027, 12, 3)),
    # Sat 1 Apr − 28 = Sat 4 Mar 2028 (2028 is a leap year: Feb has 29 days) → Fri 3 Mar.
    ("2028Q2", date(2028, 4, 1), date(2028, 6, 30), date(2028, 3, 3)),
    # Sat 1 Jul − 28 = Sat 3 Jun 2028 → Fri 2 Jun.
    ("2028Q3", date(2028, 7, 1), date(2028, 9, 30), date(2028, 6, 2)),
    # Sun 1 Oct − 28 = Sun 3 Sep 2028 → back over Saturday to Fri 1 Sep.
    ("2028Q4", date(2028, 10, 1), date(2028, 12, 31), date(2028, 9, 1)),
]

# The same with fiscal_year_start_month = 2: FY N runs from 1 Feb of N − 1 to 31 Jan of N.
# FY2026–FY2029 cover fiscal years 2026–2028 and every fiscal quarter starting in 2026–2028.
FEBRUARY_QUARTERS = [
    # Sat 1 Feb 2025 − 28 = Sat 4 Jan 2025 → Fri 3 Jan.
    ("2026Q1", date(2025, 2, 1), date(2025, 4, 30), date(2025, 1, 3)),
    # Thu 1 May 2025 − 28 = Thu 3 Apr 2025 (Good Friday is a 2026 holiday only).
    ("2026Q2", date(2025, 5, 1), date(2025, 7, 31), date(2025, 4, 3)),
    # Fri 1 Aug 2025 − 28 = Fri 4 Jul 2025.
    ("2026Q3", date(2025, 8, 1), date(2025, 10, 31), date(2025, 7, 4)),
    # Sat 1 Nov 2025 − 28 = Sat 4 Oct 2025 → Fri 3 Oct. The quarter ends in the next year.
    ("2026Q4", date(2025, 11, 1), date(2026, 1, 31), date(2025, 10, 3)),
    # Sun 1 Feb 2026 − 28 = Sun 4 Jan 2026 → Fri 2 Jan.
    ("2027Q1", date(2026, 2, 1), date(2026, 4, 30), date(2026, 1, 2)),
    # Fri 1 May 2026 − 28 = Fri 3 Apr 2026, Good Friday (a holiday) → Thu 2 Apr.
    ("2027Q2", date(2026, 5, 1), date(2026, 7, 31), date(2026, 4, 2)),
    # Sat 1 Aug 2026 − 28 = Sat 4 Jul 2026 → Fri 3 Jul.
    ("2027Q3", date(2026, 8, 1), date(2026, 10, 31), date(2026, 7, 3)),
    # Sun 1 Nov 2026 − 28 = Sun 4 Oct 2026 → Sat → Fri 2 Oct, Gandhi Jayanti → Thu 1 Oct.
    ("2027Q4", date(2026, 11, 1), date(2027, 1, 31), date(2026, 10, 1)),
    # Mon 1 Feb 2027 − 28 = Mon 4 Jan 2027.
    ("2028Q1", date(2027, 2, 1), date(2027, 4, 30), date(2027, 1, 4)),
    # Sat 1 May 2027 − 28 = Sat 3 Apr 2027 → Fri 2 Apr.
    ("2028Q2", date(2027, 5, 1), date(2027, 7, 31), date(2027, 4, 2)),
    # Sun 1 Aug 2027 − 28 = Sun 4 Jul 2027 → Fri 2 Jul.
    ("2028Q3", date(2027, 8, 1), date(2027, 10, 31), date(2027, 7, 2)),
    # Mon 1 Nov 2027 − 28 = Mon 4 Oct 2027.
    ("2028Q4", date(2027, 11, 1), date(2028, 1, 31), date(2027, 10, 4)),
    # Tue 1 Feb 2028 − 28 = Tue 4 Jan 2028.
    ("2029Q1", date(2028, 2, 1), date(2028, 4, 30), date(2028, 1, 4)),
    # Mon 1 May 2028 − 28 = Mon 3 Apr 2028.
    ("2029Q2", date(2028, 5, 1), date(2028, 7, 31), date(2028, 4, 3)),
    # Tue 1 Aug 2028 − 28 = Tue 4 Jul 2028.
    ("2029Q3", date(2028, 8, 1), date(2028, 10, 31), date(2028, 7, 4)),
    # Wed 1 Nov 2028 − 28 = Wed 4 Oct 2028.
    ("2029Q4", date(2028, 11, 1), date(2029, 1, 31), date(2028, 10, 4)),
]

TABLE = [(1, *row) for row in CALENDAR_QUARTERS] + [(2, *row) for row in FEBRUARY_QUARTERS]


@pytest.mark.parametrize(("start_month", "text", "start", "end", "post_day"), TABLE)
def test_renewal_calendar_is_posted_on_the_last_working_day_four_weeks_before_the_quarter(
    start_month: int, text: str, start: date, end: date, post_day: date
) -> None:
    quarter = parse_quarter(text, start_month, TODAY)
    assert (quarter.start, quarter.end) == (start, end)
    assert calendar_post_day(quarter, KOLKATA, 28) == post_day
    # The post day always falls in the quarter before, so "next quarter" there is this one.
    assert next_quarter(post_day, start_month) == quarter


@pytest.mark.parametrize(("start_month", "text", "start", "end", "post_day"), TABLE)
def test_every_day_of_a_quarter_belongs_to_it(
    start_month: int, text: str, start: date, end: date, post_day: date
) -> None:
    quarter = Quarter(int(text[:4]), int(text[5]), start_month)
    assert quarter_of(start, start_month) == quarter
    assert quarter_of(end, start_month) == quarter
    assert str(quarter) == text


def test_the_tables_cover_consecutive_quarters() -> None:
    for rows in (CALENDAR_QUARTERS, FEBRUARY_QUARTERS):
        for (_, _, end, _), (_, start, _, _) in pairwise(rows):
            assert (start - end).days == 1


def test_days_before_is_configurable() -> None:
    q = Quarter(2027, 1)  # starts Fri 1 Jan 2027
    assert calendar_post_day(q, KOLKATA, 0) == date(2027, 1, 1)
    # Fri 1 Jan − 1 = Thu 31 Dec 2026, a working day.
    assert calendar_post_day(q, KOLKATA, 1) == date(2026, 12, 31)
    # Fri 1 Jan − 7 = Fri 25 Dec 2026, Christmas → Thu 24 Dec.
    assert calendar_post_day(q, KOLKATA, 7) == date(2026, 12, 24)


def test_fiscal_year_is_named_by_the_calendar_year_it_ends_in() -> None:
    # With an April start (as in India), FY2027 runs 1 Apr 2026 – 31 Mar 2027.
    assert quarter_of(date(2026, 4, 1), 4) == Quarter(2027, 1, 4)
    assert quarter_of(date(2026, 3, 31), 4) == Quarter(2026, 4, 4)
    assert Quarter(2027, 4, 4).end == date(2027, 3, 31)
    # With a January start, fiscal and calendar years coincide.
    assert quarter_of(date(2026, 12, 31), 1) == Quarter(2026, 4)
    assert next_quarter(date(2026, 12, 31), 1) == Quarter(2027, 1)


def test_a_quarter_has_three_months() -> None:
    assert Quarter(2027, 4, 2).months() == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027Q1", Quarter(2027, 1)),
        ("2027q1", Quarter(2027, 1)),
        ("  2027Q4 ", Quarter(2027, 4)),
        ("2027-Q2", Quarter(2027, 2)),
        ("next", Quarter(2027, 1)),  # today is Mon 23 Nov 2026, in 2026Q4
        ("NEXT", Quarter(2027, 1)),
        # The other orders people type, the year in four digits.
        ("2027 Q2", Quarter(2027, 2)),
        ("FY2027Q3", Quarter(2027, 3)),
        ("Q1 2027", Quarter(2027, 1)),
        ("q1-2027", Quarter(2027, 1)),
    ],
)
def test_quarters_are_written_yyyyqn_or_next(text: str, expected: Quarter) -> None:
    assert parse_quarter(text, 1, TODAY) == expected


def test_next_follows_the_fiscal_year() -> None:
    # 23 Nov 2026 is in FY2027 Q4 (Nov–Jan) when the year starts in February.
    assert parse_quarter("next", 2, TODAY) == Quarter(2028, 1, 2)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2027Q9", "quarters are Q1 to Q4"),
        ("2027Q0", "quarters are Q1 to Q4"),
        ("2027", "is not a quarter; write the quarter like 2026Q4, or `next`."),
        ("last", "is not a quarter"),
        ("", "is not a quarter"),
        ("0999Q1", "out of range; write the quarter like 2026Q4"),
        # Written as a quarter, but which one? Today's fiscal year in the example.
        ("Q4", "`Q4` has no year; write the quarter like 2026Q4."),
        ("q1", "`q1` has no year; write the quarter like 2026Q1."),
        ("27Q1", "`27Q1` has a two-digit year; write the quarter like 2027Q1."),
        ("Q4'26", "`Q4'26` has a two-digit year; write the quarter like 2026Q4."),
    ],
)
def test_other_text_is_refused_with_how_to_write_a_quarter(text: str, says: str) -> None:
    with pytest.raises(QuarterError, match=says):
        parse_quarter(text, 1, TODAY)


@given(
    year=st.integers(1902, 9997),
    number=st.integers(1, 4),
    start_month=st.integers(1, 12),
)
def test_format_and_parse_round_trip(year: int, number: int, start_month: int) -> None:
    quarter = Quarter(year, number, start_month)
    assert parse_quarter(str(quarter), start_month, TODAY) == quarter
    assert quarter_of(quarter.start, start_month) == quarter
    assert quarter_of(quarter.end, start_month) == quarter
    assert quarter.next().start == date.fromordinal(quarter.end.toordinal() + 1)


@given(day=st.dates(date(1950, 1, 1), date(2150, 12, 31)), start_month=st.integers(1, 12))
def test_a_day_is_in_its_quarter_and_before_the_next(day: date, start_month: int) -> None:
    quarter = quarter_of(day, start_month)
    assert quarter.start <= day <= quarter.end
    assert quarter.start.day == 1 and (quarter.start.month - start_month) % 3 == 0
    assert next_quarter(day, start_month).start > day
