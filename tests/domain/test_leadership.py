"""Issue 35 item 6: the leadership report's day (the month's first working day) and ROI."""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal

from bot.domain.leadership import first_working_day, roi
from bot.domain.working_time import WorkCalendar

KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
WEEKDAYS = frozenset(range(5))


def test_the_first_working_day_skips_weekends_and_holidays() -> None:
    plain = WorkCalendar(KOLKATA, WEEKDAYS)
    assert first_working_day(plain, date(2026, 12, 17)) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(plain, date(2026, 11, 30)) == date(2026, 11, 2)  # 1 Nov: a Sunday
    # 1 January 2027 is a Friday; a holiday then, the next working day is Monday the 4th.
    new_year = WorkCalendar(KOLKATA, WEEKDAYS, frozenset({date(2027, 1, 1)}))
    assert first_working_day(new_year, date(2027, 1, 20)) == date(2027, 1, 4)


def test_roi_is_approved_savings_over_the_fee() -> None:
    assert roi(Decimal(14000), Decimal(7000)) == Decimal(2)
    assert roi(Decimal(14000), Decimal(0)) is None
