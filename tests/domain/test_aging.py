"""SPEC §5 day counts: age is calendar days since creation, TAT days left are calendar days to
the due date, both in the POD's time zone (created today = 0; negative = overdue)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.aging import age_in_days, days_left, local_date

KOLKATA = "Asia/Kolkata"  # UTC+05:30, no DST
NEW_YORK = "America/New_York"  # UTC-05:00 / -04:00
AUCKLAND = "Pacific/Auckland"  # UTC+13:00 / +12:00, DST in the southern summer


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_created_today_is_zero_days_old() -> None:
    created = local(KOLKATA, 2026, 11, 23, 0, 1)
    assert age_in_days(created, local(KOLKATA, 2026, 11, 23, 23, 59), KOLKATA) == 0


def test_age_counts_local_midnights_east_of_utc() -> None:
    # 23:50 IST and 00:10 IST the next day are the same UTC date, but different local dates.
    created = utc(2026, 11, 23, 18, 20)
    now = utc(2026, 11, 23, 18, 40)
    assert age_in_days(created, now, KOLKATA) == 1
    assert age_in_days(created, now, "UTC") == 0


def test_age_counts_local_midnights_west_of_utc() -> None:
    # 18:00 and 23:00 EST on the 23rd straddle UTC midnight but are one local day.
    created = utc(2026, 11, 23, 23, 0)
    now = utc(2026, 11, 24, 4, 0)
    assert age_in_days(created, now, NEW_YORK) == 0
    assert age_in_days(created, now, "UTC") == 1
    assert age_in_days(created, utc(2026, 11, 24, 5, 30), NEW_YORK) == 1


def test_age_across_spring_forward_counts_a_23_hour_day_as_one() -> None:
    created = local(NEW_YORK, 2026, 3, 7, 23, 30)
    now = local(NEW_YORK, 2026, 3, 8, 23, 30)
    assert now.astimezone(UTC) - created.astimezone(UTC) == timedelta(hours=23)
    assert age_in_days(created, now, NEW_YORK) == 1


def test_age_across_fall_back_counts_a_25_hour_day_as_one() -> None:
    created = local(NEW_YORK, 2026, 11, 1, 0, 30)
    now = local(NEW_YORK, 2026, 11, 1, 23, 30)
    # 24 elapsed hours (the day has 25), still the same local day
    assert now.astimezone(UTC) - created.astimezone(UTC) == timedelta(hours=24)
    assert age_in_days(created, now, NEW_YORK) == 0
    assert age_in_days(created, local(NEW_YORK, 2026, 11, 2, 0, 0), NEW_YORK) == 1


def test_age_across_southern_hemisphere_dst() -> None:
    # Auckland springs forward on 27 Sep 2026 at 02:00 (NZST +12 -> NZDT +13).
    created = local(AUCKLAND, 2026, 9, 26, 12, 0)
    assert age_in_days(created, local(AUCKLAND, 2026, 9, 28, 11, 0), AUCKLAND) == 2


def test_age_never_goes_negative_when_creation_is_slightly_ahead_of_now() -> None:
    now = utc(2026, 11, 23, 12, 0)
    assert age_in_days(now + timedelta(days=2), now, KOLKATA) == 0


def test_age_is_the_same_whatever_zone_the_instants_are_given_in() -> None:
    created = local(NEW_YORK, 2026, 11, 20, 9, 0)
    now = utc(2026, 11, 24, 3, 0)  # 22:00 EST on the 23rd
    shifted = now.astimezone(timezone(timedelta(hours=9)))
    assert age_in_days(created, now, NEW_YORK) == age_in_days(created, shifted, NEW_YORK) == 3


def test_days_left_is_zero_on_the_due_date() -> None:
    due = local(KOLKATA, 2026, 12, 8, 10, 30)
    assert days_left(due, local(KOLKATA, 2026, 12, 8, 23, 0), KOLKATA) == 0
    assert days_left(due, local(KOLKATA, 2026, 12, 8, 0, 0), KOLKATA) == 0


def test_days_left_counts_calendar_days_not_24_hour_periods() -> None:
    due = local(KOLKATA, 2026, 12, 9, 0, 5)
    assert days_left(due, local(KOLKATA, 2026, 12, 8, 23, 55), KOLKATA) == 1


def test_days_left_is_negative_once_overdue() -> None:
    due = local(NEW_YORK, 2026, 12, 8, 10, 30)
    assert days_left(due, local(NEW_YORK, 2026, 12, 11, 9, 0), NEW_YORK) == -3


def test_days_left_west_of_utc_uses_the_local_date() -> None:
    due = utc(2026, 12, 9, 3, 0)  # 22:00 EST on the 8th
    now = utc(2026, 12, 8, 15, 0)  # 10:00 EST on the 8th
    assert days_left(due, now, NEW_YORK) == 0
    assert days_left(due, now, "UTC") == 1


def test_a_15_day_tat_starts_with_15_days_left_across_dst() -> None:
    assigned = local(NEW_YORK, 2026, 10, 25, 10, 30)
    due = local(NEW_YORK, 2026, 11, 9, 10, 30)  # same local time, across fall back
    assert days_left(due, assigned, NEW_YORK) == 15
    assert days_left(due, local(NEW_YORK, 2026, 11, 10, 8, 0), NEW_YORK) == -1


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        age_in_days(datetime(2026, 11, 23), utc(2026, 11, 24), KOLKATA)
    with pytest.raises(ValueError, match="aware"):
        days_left(utc(2026, 11, 24), datetime(2026, 11, 23), KOLKATA)


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        local_date(utc(2026, 11, 24), "Mars/Olympus_Mons")


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
)
zones = st.sampled_from([KOLKATA, NEW_YORK, AUCKLAND, "Europe/London", "UTC"])


@given(instants, instants, zones)
def test_age_is_days_left_turned_around(a: datetime, b: datetime, zone: str) -> None:
    earlier, later = sorted((a, b))
    assert age_in_days(earlier, later, zone) == -days_left(earlier, later, zone) >= 0


@given(instants, st.integers(min_value=0, max_value=400), zones)
def test_same_local_time_n_days_later_is_n_days_old(start: datetime, n: int, zone: str) -> None:
    wall = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    later = (wall + timedelta(days=n)).replace(tzinfo=ZoneInfo(zone))
    assert age_in_days(start, later, zone) == n
