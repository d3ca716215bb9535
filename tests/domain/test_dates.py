"""Issue 25 item 1: arithmetic on stored dates is held to the ends of the calendar, so a "no date"
placeholder (`0001-01-01`, `9999-12-31`) never raises OverflowError."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.dates import EARLIEST, LATEST, add_days, day_start
from bot.domain.renewals import notice_deadline, reminders_due, tat_window_opens

KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")


def test_days_added_to_a_placeholder_stop_at_the_ends_of_the_calendar() -> None:
    assert add_days(date(2027, 3, 1), -30) == date(2027, 1, 30)
    assert add_days(date(2027, 3, 1), 1) == date(2027, 3, 2)
    assert add_days(date(1, 1, 1), -30) == date.min
    assert add_days(date(9999, 12, 31), 1) == date.max


def test_local_midnight_of_year_one_east_of_utc_is_the_first_instant() -> None:
    assert day_start(date(2026, 11, 23), KOLKATA) == datetime(2026, 11, 22, 18, 30, tzinfo=UTC)
    assert day_start(date(1, 1, 1), KOLKATA) == EARLIEST
    assert day_start(date(1, 1, 1), NEW_YORK) > EARLIEST  # west of UTC: it exists
    assert day_start(date(9999, 12, 31), NEW_YORK) < LATEST


def test_renewal_deadlines_of_placeholder_dates_are_days_not_overflows() -> None:
    today = date(2026, 11, 23)
    assert notice_deadline(date(1, 1, 1), 30) == date.min
    assert reminders_due(date(1, 1, 1), 30, today) == []  # long past: nothing to remind
    assert tat_window_opens(date(1, 1, 1), 60) == date.min
    assert notice_deadline(date(9999, 12, 31), 30) == date(9999, 12, 1)
    assert reminders_due(date(9999, 12, 31), 30, today) == []
