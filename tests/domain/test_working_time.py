"""SPEC §2 working hours: only the POD's working days count, whole local days, in its zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.kpis import reply_due_by, reply_late_from
from bot.domain.working_time import (
    WorkCalendar,
    add_working_hours,
    is_working_time,
    local_datetime,
    next_working_day_at,
    next_working_time,
    working_day_on_or_before,
    working_hours_between,
    working_hours_until,
)
from tests.helpers.properties import examples

MON_FRI = ("mon", "tue", "wed", "thu", "fri")
SUN_THU = ("sun", "mon", "tue", "wed", "thu")
H = timedelta(hours=1)


def cal(
    zone: str, workdays: tuple[str, ...] = MON_FRI, holidays: tuple[date, ...] = ()
) -> WorkCalendar:
    return WorkCalendar.from_names(zone, workdays, holidays)


def at(zone: str, *fields: int) -> datetime:
    """An aware local wall time (fold=0) in `zone`."""
    return datetime(*fields, tzinfo=ZoneInfo(zone))


def local(calendar: WorkCalendar, instant: datetime) -> datetime:
    return instant.astimezone(calendar.timezone)


# --- add_working_hours: the SPEC examples and their neighbours ---------------------------------


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata"])
def test_friday_10_plus_24_working_hours_is_monday_10(zone: str) -> None:
    c = cal(zone)
    result = add_working_hours(c, at(zone, 2026, 5, 15, 10), 24)
    assert result == at(zone, 2026, 5, 18, 10)
    assert result.tzinfo is UTC


def test_holiday_monday_pushes_friday_plus_24_to_tuesday() -> None:
    c = cal("America/New_York", holidays=(date(2026, 5, 18),))
    assert add_working_hours(c, at("America/New_York", 2026, 5, 15, 10), 24) == at(
        "America/New_York", 2026, 5, 19, 10
    )


def test_start_on_saturday_counts_from_monday_midnight() -> None:
    c = cal("America/New_York")
    assert add_working_hours(c, at("America/New_York", 2026, 5, 16, 15), 1) == at(
        "America/New_York", 2026, 5, 18, 1
    )


def test_zero_hours_in_working_time_returns_start_in_utc() -> None:
    c = cal("Asia/Kolkata")
    start = at("Asia/Kolkata", 2026, 5, 13, 14, 7, 9)
    assert add_working_hours(c, start, 0) == start
    assert add_working_hours(c, start, 0).tzinfo is UTC


def test_zero_hours_on_weekend_returns_next_working_midnight() -> None:
    c = cal("America/New_York")
    assert add_working_hours(c, at("America/New_York", 2026, 5, 17, 23), 0) == at(
        "America/New_York", 2026, 5, 18
    )


def test_landing_exactly_at_friday_midnight_returns_monday_midnight() -> None:
    c = cal("America/New_York")
    assert add_working_hours(c, at("America/New_York", 2026, 5, 15, 10), 14) == at(
        "America/New_York", 2026, 5, 18
    )


@pytest.mark.parametrize(
    "hours",
    [24, 24.0, Decimal("24"), Decimal("24.000000"), timedelta(hours=24), timedelta(minutes=1440)],
)
def test_hours_may_be_int_float_decimal_or_timedelta(hours: object) -> None:
    c = cal("America/New_York")
    assert add_working_hours(c, at("America/New_York", 2026, 5, 15, 10), hours) == at(
        "America/New_York", 2026, 5, 18, 10
    )


def test_fractional_decimal_hours_are_exact() -> None:
    c = cal("UTC")
    start = at("UTC", 2026, 5, 13, 9)
    assert add_working_hours(c, start, Decimal("1.25")) == at("UTC", 2026, 5, 13, 10, 15)


def test_ten_thousand_hours_is_fast_and_measures_back() -> None:
    c = cal("America/New_York", holidays=(date(2026, 12, 25), date(2027, 1, 1)))
    start = at("America/New_York", 2026, 5, 15, 10)
    end = add_working_hours(c, start, 10_000)
    assert working_hours_between(c, start, end) == timedelta(hours=10_000)
    # 10,000 h = 416 working days + 16 h; two holidays and ~83 weekends sit in between.
    assert date(2027, 12, 1) < local(c, end).date() < date(2028, 1, 31)


def test_seven_day_week_without_holidays_is_plain_elapsed_time() -> None:
    c = cal("Europe/London", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert add_working_hours(c, start, 50_000) == start + timedelta(hours=50_000)


# --- DST: a working day on which the clocks change has 23 or 25 working hours ------------------


def test_new_york_spring_forward_sunday_is_a_23_hour_working_day() -> None:
    c = cal("America/New_York", SUN_THU)
    day_start = at("America/New_York", 2026, 3, 8)
    assert working_hours_between(c, day_start, at("America/New_York", 2026, 3, 9)) == 23 * H
    assert add_working_hours(c, day_start, 23) == at("America/New_York", 2026, 3, 9)


def test_new_york_thursday_plus_24_across_spring_forward_loses_the_missing_hour() -> None:
    c = cal("America/New_York", SUN_THU)
    # 14 h on Thursday, Friday/Saturday skipped, then 10 elapsed hours from Sunday 00:00 EST.
    result = add_working_hours(c, at("America/New_York", 2026, 3, 5, 10), 24)
    assert result == at("America/New_York", 2026, 3, 8, 11)


def test_new_york_fall_back_sunday_is_a_25_hour_working_day() -> None:
    c = cal("America/New_York", SUN_THU)
    day_start = at("America/New_York", 2026, 11, 1)
    assert working_hours_between(c, day_start, at("America/New_York", 2026, 11, 2)) == 25 * H
    result = add_working_hours(c, at("America/New_York", 2026, 10, 29, 10), 24)
    assert result == at("America/New_York", 2026, 11, 1, 9)
    assert local(c, result).utcoffset() == timedelta(hours=-5)


def test_new_york_ambiguous_hour_counts_twice() -> None:
    c = cal("America/New_York", SUN_THU)
    first_0130 = at("America/New_York", 2026, 11, 1, 1, 30)
    second_0130 = first_0130.replace(fold=1)
    assert working_hours_between(c, first_0130, second_0130) == H
    # Compare in UTC: PEP 495 makes == across zones False for a fold=1 ambiguous time.
    assert add_working_hours(c, first_0130, 1) == second_0130.astimezone(UTC)


def test_london_weekend_clock_change_does_not_move_monday_morning() -> None:
    c = cal("Europe/London")
    result = add_working_hours(c, at("Europe/London", 2026, 3, 27, 10), 24)
    assert result == at("Europe/London", 2026, 3, 30, 10)
    assert result == datetime(2026, 3, 30, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 3, 30), 24)]
)
def test_london_sunday_clock_change_days_have_23_and_25_hours(day: date, hours: int) -> None:
    c = cal("Europe/London", ("sun", "mon"))
    start = local_datetime(c, day, time(0))
    end = local_datetime(c, day + timedelta(days=1), time(0))
    assert working_hours_between(c, start, end) == hours * H


def test_kolkata_working_day_spans_utc_midnight() -> None:
    c = cal("Asia/Kolkata")
    # Friday 02:00 IST is Thursday 20:30 UTC; Monday starts at Sunday 18:30 UTC.
    start = at("Asia/Kolkata", 2026, 5, 15, 2)
    assert start.astimezone(UTC) == datetime(2026, 5, 14, 20, 30, tzinfo=UTC)
    assert add_working_hours(c, start, 24) == datetime(2026, 5, 17, 20, 30, tzinfo=UTC)
    assert next_working_time(c, datetime(2026, 5, 17, 18, 0, tzinfo=UTC)) == datetime(
        2026, 5, 17, 18, 30, tzinfo=UTC
    )
    assert is_working_time(c, datetime(2026, 5, 15, 18, 29, tzinfo=UTC))
    assert not is_working_time(c, datetime(2026, 5, 15, 18, 30, tzinfo=UTC))


def test_sydney_april_fall_back_sunday_has_25_hours() -> None:
    c = cal("Australia/Sydney", SUN_THU)
    day = at("Australia/Sydney", 2026, 4, 5)
    assert working_hours_between(c, day, at("Australia/Sydney", 2026, 4, 6)) == 25 * H
    # 14 h on Thursday, then 10 elapsed hours from Sunday 00:00 AEDT = 09:00 AEST.
    result = add_working_hours(c, at("Australia/Sydney", 2026, 4, 2, 10), 24)
    assert result == at("Australia/Sydney", 2026, 4, 5, 9)
    assert local(c, result).utcoffset() == timedelta(hours=10)


def test_sydney_october_spring_forward_sunday_has_23_hours() -> None:
    c = cal("Australia/Sydney", SUN_THU)
    day = at("Australia/Sydney", 2026, 10, 4)
    assert working_hours_between(c, day, at("Australia/Sydney", 2026, 10, 5)) == 23 * H
    result = add_working_hours(c, at("Australia/Sydney", 2026, 10, 1, 10), 24)
    assert result == at("Australia/Sydney", 2026, 10, 4, 11)
    assert local(c, result).utcoffset() == timedelta(hours=11)


def test_auckland_friday_plus_24_across_april_fall_back_is_monday_10() -> None:
    c = cal("Pacific/Auckland")
    result = add_working_hours(c, at("Pacific/Auckland", 2026, 4, 3, 10), 24)
    assert result == at("Pacific/Auckland", 2026, 4, 6, 10)
    # Monday 00:00 NZST is Sunday noon UTC: the working day begins on the previous UTC date.
    assert next_working_time(c, datetime(2026, 4, 5, 11, 59, tzinfo=UTC)) == datetime(
        2026, 4, 5, 12, tzinfo=UTC
    )


def test_auckland_spring_forward_sunday_has_23_hours() -> None:
    c = cal("Pacific/Auckland", ("sun",))
    day = at("Pacific/Auckland", 2026, 9, 27)
    assert working_hours_between(c, day, at("Pacific/Auckland", 2026, 9, 28)) == 23 * H


def test_santiago_day_starting_in_a_midnight_gap_starts_at_01_00() -> None:
    # Chile springs forward at local midnight, so Sunday 2026-09-06 begins at 01:00.
    c = cal("America/Santiago", ("sun",))
    start = next_working_time(c, at("America/Santiago", 2026, 9, 1, 12))
    assert local(c, start).replace(tzinfo=None) == datetime(2026, 9, 6, 1)
    assert working_hours_between(c, start, start + timedelta(days=2)) == 23 * H


# --- working_hours_between ----------------------------------------------------------------------


def test_friday_10_to_monday_10_measures_24_working_hours() -> None:
    c = cal("America/New_York")
    start, end = at("America/New_York", 2026, 5, 15, 10), at("America/New_York", 2026, 5, 18, 10)
    assert working_hours_between(c, start, end) == 24 * H


def test_measure_is_zero_when_end_is_not_after_start() -> None:
    c = cal("America/New_York")
    t = at("America/New_York", 2026, 5, 15, 10)
    assert working_hours_between(c, t, t) == timedelta(0)
    assert working_hours_between(c, t, t - H) == timedelta(0)


def test_weekend_only_interval_measures_zero() -> None:
    c = cal("America/New_York")
    start, end = at("America/New_York", 2026, 5, 16, 1), at("America/New_York", 2026, 5, 17, 23)
    assert working_hours_between(c, start, end) == timedelta(0)


def test_measure_accepts_instants_in_different_zones() -> None:
    c = cal("Asia/Kolkata")
    start = at("Asia/Kolkata", 2026, 5, 15, 10)
    end = at("America/New_York", 2026, 5, 18, 0, 30)  # Monday 10:00 IST
    assert working_hours_between(c, start, end) == 24 * H


# --- next_working_day_at / working_day_on_or_before / next_working_time --------------------------


def test_next_working_day_at_from_friday_is_monday_0900() -> None:
    c = cal("America/New_York")
    assert next_working_day_at(c, at("America/New_York", 2026, 5, 15, 8), time(9)) == at(
        "America/New_York", 2026, 5, 18, 9
    )


def test_next_working_day_at_skips_a_holiday_after_the_day() -> None:
    c = cal("America/New_York", holidays=(date(2026, 5, 14),))
    assert next_working_day_at(c, at("America/New_York", 2026, 5, 13, 23, 59), time(9)) == at(
        "America/New_York", 2026, 5, 15, 9
    )


def test_next_working_day_at_uses_the_calendar_zone_for_after() -> None:
    c = cal("Asia/Kolkata")
    # Thursday 20:00 UTC is already Friday 01:30 in Kolkata, so the next working day is Monday.
    after = datetime(2026, 5, 14, 20, tzinfo=UTC)
    assert next_working_day_at(c, after, time(9)) == at("Asia/Kolkata", 2026, 5, 18, 9)


def test_next_working_day_at_time_in_dst_gap_moves_forward_by_the_gap() -> None:
    c = cal("America/New_York", SUN_THU)
    result = next_working_day_at(c, at("America/New_York", 2026, 3, 5, 12), time(2, 30))
    assert result == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert local(c, result).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_working_day_on_or_before_saturday_is_friday() -> None:
    c = cal("America/New_York")
    assert working_day_on_or_before(c, date(2026, 5, 16)) == date(2026, 5, 15)
    assert working_day_on_or_before(c, date(2026, 5, 15)) == date(2026, 5, 15)


def test_working_day_on_or_before_skips_holidays_backwards() -> None:
    c = cal("America/New_York", holidays=(date(2026, 5, 15), date(2026, 5, 14)))
    assert working_day_on_or_before(c, date(2026, 5, 17)) == date(2026, 5, 13)


def test_next_working_time_is_identity_in_working_time_and_midnight_otherwise() -> None:
    c = cal("America/New_York")
    tuesday = at("America/New_York", 2026, 5, 12, 3, 4, 5)
    assert next_working_time(c, tuesday) == tuesday
    assert next_working_time(c, at("America/New_York", 2026, 5, 16, 12)) == at(
        "America/New_York", 2026, 5, 18
    )


def test_a_skipped_calendar_date_holds_no_working_time() -> None:
    # Samoa skipped Friday 2011-12-30 entirely; the next Friday is the first working time.
    c = cal("Pacific/Apia", ("fri",))
    result = next_working_time(c, datetime(2011, 12, 25, tzinfo=UTC))
    assert local(c, result).replace(tzinfo=None) == datetime(2012, 1, 6)


# --- local_datetime -----------------------------------------------------------------------------


def test_local_datetime_in_gap_moves_forward_and_ambiguous_takes_first() -> None:
    c = cal("America/New_York")
    assert local_datetime(c, date(2026, 3, 8), time(2, 30)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    assert local_datetime(c, date(2026, 11, 1), time(1, 30)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    assert local_datetime(c, date(2026, 11, 1), time(1, 30, fold=1)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


# --- construction and bad input -----------------------------------------------------------------


def test_from_names_maps_day_names_to_weekday_numbers() -> None:
    c = WorkCalendar.from_names("Asia/Kolkata", ["Mon", "tue", "SUNDAY"], [date(2026, 12, 25)])
    assert c.workdays == frozenset({0, 1, 6})
    assert c.timezone == ZoneInfo("Asia/Kolkata")
    assert c.is_working_day(date(2026, 5, 17))  # a Sunday
    assert not c.is_working_day(date(2026, 12, 25))  # a Friday holiday
    assert not c.is_working_day(date(2026, 5, 16))  # a Saturday


def test_calendar_without_workdays_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one workday"):
        WorkCalendar(ZoneInfo("UTC"), frozenset())
    with pytest.raises(ValueError, match="at least one workday"):
        WorkCalendar.from_names("UTC", [])


@pytest.mark.parametrize(
    ("zone", "days", "message"),
    [("Mars/Olympus", ["mon"], "time zone"), ("UTC", ["mon", "funday"], "funday")],
)
def test_from_names_rejects_unknown_names(zone: str, days: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar.from_names(zone, days)


def test_weekday_numbers_outside_0_to_6_are_rejected() -> None:
    with pytest.raises(ValueError, match="0-6"):
        WorkCalendar(ZoneInfo("UTC"), frozenset({7}))


def test_naive_datetimes_are_rejected_everywhere() -> None:
    c = cal("UTC")
    naive, aware = datetime(2026, 5, 15, 10), datetime(2026, 5, 15, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        add_working_hours(c, naive, 1)
    with pytest.raises(ValueError, match="naive"):
        working_hours_between(c, naive, aware)
    with pytest.raises(ValueError, match="naive"):
        working_hours_between(c, aware, naive)
    with pytest.raises(ValueError, match="naive"):
        next_working_time(c, naive)
    with pytest.raises(ValueError, match="naive"):
        next_working_day_at(c, naive, time(9))


@pytest.mark.parametrize(
    "hours", [-1, -0.5, Decimal("-1"), timedelta(seconds=-1), float("nan"), Decimal("Infinity")]
)
def test_negative_or_non_finite_hours_are_rejected(hours: object) -> None:
    with pytest.raises(ValueError):
        add_working_hours(cal("UTC"), datetime(2026, 5, 15, tzinfo=UTC), hours)  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in (
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Sydney",
        "Pacific/Chatham",
        "Europe/London",
        "UTC",
        "Pacific/Auckland",
        "America/Santiago",
        "Australia/Lord_Howe",
    )
]
FIRST_ORDINAL, LAST_ORDINAL = date(2024, 1, 1).toordinal(), date(2030, 12, 31).toordinal()
# Seconds after local midnight where off-by-one bugs live: midnight, DST changes at 01:00-03:00,
# the end of a 23-, 24- or 25-hour day.
EDGE_SECONDS = [0, 3600, 5400, 7200, 9000, 10800, 82800, 86399, 86400, 89999]


# Strategies are built once: constructing them inside a composite costs more than the draws.
ZONE_CHOICES = st.sampled_from(ZONES)
WORKDAY_MASKS = st.integers(1, 127)  # a non-empty workday set in one cheap choice
DAYS = st.integers(FIRST_ORDINAL, LAST_ORDINAL)
HOLIDAY_MASKS = st.integers(0, 2**60 - 1)  # bit k: a holiday k - 20 days from the first instant
SECONDS_INTO_DAY = st.sampled_from(EDGE_SECONDS) | st.integers(0, 90_000)


@st.composite
def scenarios(draw: st.DrawFn, instants: int = 1) -> tuple[WorkCalendar, list[datetime]]:
    """A random calendar and `instants` sorted UTC instants in 2024–2030, with holidays nearby."""
    zone = draw(ZONE_CHOICES)
    mask = draw(WORKDAY_MASKS)
    days = [draw(DAYS) for _ in range(instants)]
    # Holidays sit around the first instant so that spans of a few weeks actually meet them.
    holiday_mask = draw(HOLIDAY_MASKS)
    holidays = frozenset(
        date.fromordinal(days[0] - 20 + k) for k in range(60) if holiday_mask >> k & 1
    )
    calendar = WorkCalendar(zone, frozenset(d for d in range(7) if mask >> d & 1), holidays)
    points = []
    for day in days:
        # Elapsed seconds from local midnight (not wall time) also reach a fall-back's second pass.
        midnight = local_datetime(calendar, date.fromordinal(day), time(0))
        points.append(midnight + timedelta(seconds=draw(SECONDS_INTO_DAY)))
    return calendar, sorted(points)


# The properties below draw a tenth of their examples in `make test` and all of them in the
# thorough tier (`make test-thorough`, run by CI): tests/helpers/properties.py.

# Whole hours land exactly on day boundaries; seconds cover everything in between.
durations = st.integers(0, 2000).map(lambda h: timedelta(hours=h)) | st.integers(
    0, 2000 * 3600
).map(lambda s: timedelta(seconds=s))

PROPERTY = settings(
    max_examples=examples(2000), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.thorough
@PROPERTY
@given(case=scenarios(), hours=durations)
def test_measuring_back_an_addition_gives_the_hours_added(
    case: tuple[WorkCalendar, list[datetime]], hours: timedelta
) -> None:
    calendar, [start] = case
    end = add_working_hours(calendar, start, hours)
    assert end >= start
    assert end.tzinfo is UTC
    assert working_hours_between(calendar, start, end) == hours


@pytest.mark.thorough
@PROPERTY
@given(case=scenarios(), a=durations, b=durations)
def test_adding_in_two_steps_equals_adding_the_sum(
    case: tuple[WorkCalendar, list[datetime]], a: timedelta, b: timedelta
) -> None:
    calendar, [start] = case
    two_steps = add_working_hours(calendar, add_working_hours(calendar, start, a), b)
    assert two_steps == add_working_hours(calendar, start, a + b)


@pytest.mark.thorough
@PROPERTY
@given(case=scenarios(instants=2), a=durations, b=durations)
def test_addition_is_monotonic_in_start_and_hours(
    case: tuple[WorkCalendar, list[datetime]], a: timedelta, b: timedelta
) -> None:
    calendar, [early, late] = case
    short, long = sorted([a, b])
    assert add_working_hours(calendar, early, short) <= add_working_hours(calendar, early, long)
    assert add_working_hours(calendar, early, short) <= add_working_hours(calendar, late, short)


@pytest.mark.thorough
@PROPERTY
@given(case=scenarios(), hours=durations)
def test_result_is_always_working_time_on_a_working_day(
    case: tuple[WorkCalendar, list[datetime]], hours: timedelta
) -> None:
    calendar, [start] = case
    result = add_working_hours(calendar, start, hours)
    assert is_working_time(calendar, result)
    assert next_working_time(calendar, result) == result
    assert calendar.is_working_day(local(calendar, result).date())


@pytest.mark.thorough
@PROPERTY
@given(case=scenarios(instants=3))
def test_measure_is_additive_over_a_split_point(case: tuple[WorkCalendar, list[datetime]]) -> None:
    calendar, [a, b, c] = case
    whole = working_hours_between(calendar, a, c)
    assert whole == working_hours_between(calendar, a, b) + working_hours_between(calendar, b, c)
    assert timedelta(0) <= whole <= c - a


@pytest.mark.thorough
@settings(max_examples=examples(300), deadline=None)
@given(case=scenarios(), seconds=st.integers(0, 60 * 86400))
def test_measure_matches_a_day_by_day_reference(
    case: tuple[WorkCalendar, list[datetime]], seconds: int
) -> None:
    calendar, [start] = case
    end = start + timedelta(seconds=seconds)
    # Reference: intersect [start, end) with each whole local day, one day at a time.
    expected = timedelta(0)
    day = start.astimezone(calendar.timezone).date() - timedelta(days=1)
    while local_datetime(calendar, day, time(0)) < end:
        lo = local_datetime(calendar, day, time(0))
        hi = local_datetime(calendar, day + timedelta(days=1), time(0))
        if calendar.is_working_day(day):
            expected += max(timedelta(0), min(hi, end) - max(lo, start))
        day += timedelta(days=1)
    assert working_hours_between(calendar, start, end) == expected


@pytest.mark.thorough
@settings(max_examples=examples(500), deadline=None)
@given(case=scenarios(instants=3))
def test_a_meter_to_one_end_measures_as_between_does(
    case: tuple[WorkCalendar, list[datetime]],
) -> None:
    # The aging report measures every request's quiet time against one "now" with a meter.
    calendar, points = case
    for end in points:
        since = working_hours_until(calendar, end)
        for start in points:
            assert since(start) == working_hours_between(calendar, start, end)


@PROPERTY
@given(scenario=scenarios(instants=2), hours=st.integers(1, 72))
def test_a_mentions_recorded_reply_clock_says_what_counting_working_hours_says(
    scenario: tuple[WorkCalendar, list[datetime]], hours: int
) -> None:
    """Unanswered at an instant: a miss exactly from `reply_late_from`; answered at it: in time
    exactly until `reply_due_by` (what `/proc stats` counts in SQL, issue 26)."""
    calendar, (mentioned, at) = scenario
    limit = timedelta(hours=hours)
    late_from = reply_late_from(calendar, mentioned, hours)
    due_by = reply_due_by(calendar, mentioned, hours)
    for instant in (at, late_from, due_by, late_from - timedelta(microseconds=1)):
        if instant < mentioned:
            continue
        spent = working_hours_between(calendar, mentioned, instant)
        assert (spent >= limit) == (instant >= late_from)
        assert (spent <= limit) == (instant <= due_by)


@given(
    workdays=st.sets(st.integers(0, 6), min_size=1),
    holidays=st.sets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=20),
    first=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    span=st.integers(0, 400),
)
def test_working_days_before_counts_the_working_days_between_two_days(
    workdays: set[int], holidays: set[date], first: date, span: int
) -> None:
    """What the update cadence counts by (`bot.db.request_clocks`): the working days in
    [first, last) are the difference of the two days' numbers."""
    calendar = WorkCalendar(ZoneInfo("Asia/Kolkata"), frozenset(workdays), frozenset(holidays))
    last = first + timedelta(days=span)
    counted = sum(calendar.is_working_day(first + timedelta(days=n)) for n in range(span))
    assert calendar.working_days_before(last) - calendar.working_days_before(first) == counted
