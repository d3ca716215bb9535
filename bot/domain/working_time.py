"""Working-time calendar (SPEC §2): time that counts only on a POD's working days, in its zone.

A working day is the whole local day, from local midnight to the next local midnight, so a day on
which daylight saving time changes holds 23 or 25 working hours. Every instant in is aware and
every instant out is aware UTC. Functions are pure: no clock, no I/O.

Cost: whole weeks are counted arithmetically (weekday pattern, holidays by bisection, DST days
from a per-zone cache), so adding 10,000 hours takes a few dozen steps, not one per hour or day.
"""

from __future__ import annotations

import bisect
import functools
import math
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = [
    "WorkCalendar",
    "add_working_hours",
    "is_working_time",
    "local_datetime",
    "next_working_day_at",
    "next_working_time",
    "working_day_on_or_before",
    "working_hours_between",
    "working_hours_until",
]

_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_MAX_ORDINAL = date.max.toordinal()
_MICROSECONDS_PER_HOUR = 3_600_000_000
# Local midnights are cached per zone in blocks of 2**8 days: converting wall time through
# zoneinfo dominates the cost otherwise, and the same PODs ask about the same weeks.
_BLOCK_BITS = 8
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1


@dataclass(frozen=True)
class WorkCalendar:
    """A POD's working days: its time zone, its weekly workdays and its holidays."""

    timezone: zoneinfo.ZoneInfo
    workdays: frozenset[int]
    holidays: frozenset[date] = frozenset()
    # Ordinals of the holidays that fall on a workday, sorted: only those remove working time.
    _closures: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # _week_prefix[w][r]: workdays among the r consecutive days starting on weekday w.
    _week_prefix: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, zoneinfo.ZoneInfo):
            raise TypeError(f"timezone must be a zoneinfo.ZoneInfo, not {self.timezone!r}")
        workdays = frozenset(self.workdays)
        if not workdays:
            raise ValueError("a work calendar needs at least one workday")
        if any(isinstance(d, bool) or d not in range(7) for d in workdays):
            raise ValueError(f"workdays must be weekday numbers 0-6, got {sorted(workdays)!r}")
        holidays = frozenset(self.holidays)
        for day in holidays:
            # datetime is a subclass of date; a holiday with a time of day would be a mistake.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holidays must be dates, got {day!r}")
        closures = sorted(d.toordinal() for d in holidays if d.weekday() in workdays)
        prefix = []
        for weekday in range(7):
            row = [0]
            for i in range(7):
                row.append(row[-1] + ((weekday + i) % 7 in workdays))
            prefix.append(tuple(row))
        # Frozen dataclass: normalise the inputs (lists, sets) once, at construction.
        object.__setattr__(self, "workdays", workdays)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_closures", tuple(closures))
        object.__setattr__(self, "_week_prefix", tuple(prefix))

    @classmethod
    def from_names(
        cls, timezone: str, workdays: Iterable[str], holidays: Iterable[date] = ()
    ) -> WorkCalendar:
        """Build a calendar from a zone name, day names like "mon" and holiday dates."""
        try:
            zone = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        numbers: set[int] = set()
        for name in workdays:
            number = _DAY_NAMES.get(str(name).strip().lower())
            if number is None:
                raise ValueError(f"unknown workday {name!r}; use mon, tue, wed, thu, fri, sat, sun")
            numbers.add(number)
        return cls(timezone=zone, workdays=frozenset(numbers), holidays=frozenset(holidays))

    def is_working_day(self, day: date) -> bool:
        """Whether `day` (a local date) is a working day."""
        return self._works(_date_only(day).toordinal())

    def working_days_before(self, day: date) -> int:
        """How many working days come before `day` (a local date) since 0001-01-01: the working
        days in [a, b) are `working_days_before(b) - working_days_before(a)`, and a working
        day's own number is unique among working days (the update cadence counts by it)."""
        stop = _date_only(day).toordinal()
        weeks, rest = divmod(stop - 1, 7)
        return (
            weeks * len(self.workdays)
            + self._week_prefix[0][rest]
            - bisect.bisect_left(self._closures, stop)
        )

    def _works(self, ordinal: int) -> bool:
        # Ordinal 1 (0001-01-01) is a Monday, hence the shift to date.weekday() numbering.
        if (ordinal - 1) % 7 not in self.workdays:
            return False
        i = bisect.bisect_left(self._closures, ordinal)
        return i == len(self._closures) or self._closures[i] != ordinal

    def _day_start(self, ordinal: int) -> datetime:
        start = _zone_block(self.timezone, ordinal >> _BLOCK_BITS)[0][ordinal & _BLOCK_MASK]
        if start is None:
            raise OverflowError("working time runs past the representable date range")
        return start

    def _day_of(self, instant: datetime) -> int:
        # The local date is a first guess; a DST fold across midnight can make the wall-clock
        # date disagree with the [midnight, next midnight) interval that holds the instant.
        ordinal = instant.astimezone(self.timezone).toordinal()
        while instant < self._day_start(ordinal):
            ordinal -= 1
        while instant >= self._day_start(ordinal + 1):
            ordinal += 1
        return ordinal

    def _into_day(self, instant: datetime) -> tuple[int, timedelta]:
        # The day holding `instant`, and the working time already spent in it.
        ordinal = self._day_of(instant)
        spent = instant - self._day_start(ordinal) if self._works(ordinal) else _ZERO
        return ordinal, spent

    def _days_working_time(self, first: int, stop: int) -> timedelta:
        # Working time in the whole days [first, stop): 24 h per working day, corrected for the
        # few days whose length is not 24 h (DST changes, skipped dates).
        if stop <= first:
            return _ZERO
        weeks, rest = divmod(stop - first, 7)
        count = weeks * len(self.workdays) + self._week_prefix[(first - 1) % 7][rest]
        count -= bisect.bisect_left(self._closures, stop) - bisect.bisect_left(
            self._closures, first
        )
        total = _DAY * count
        for ordinal, excess in _odd_length_days(self.timezone, first, stop):
            if self._works(ordinal):
                total += excess
        return total

    def _last_day_within(self, first: int, budget: timedelta) -> int:
        # The latest day `stop` with _days_working_time(first, stop) <= budget. Galloping from a
        # guess made of whole weeks, then bisecting, keeps it to O(log days) evaluations.
        lo, reach = first, ((budget // _DAY) // len(self.workdays) + 1) * 7
        while True:
            hi = min(first + reach, _MAX_ORDINAL)
            if self._days_working_time(first, hi) > budget:
                break
            if hi == _MAX_ORDINAL:
                raise OverflowError("working time runs past the representable date range")
            lo, reach = hi, reach * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._days_working_time(first, mid) <= budget:
                lo = mid
            else:
                hi = mid
        return lo


def _midnight_utc(zone: zoneinfo.ZoneInfo, ordinal: int) -> datetime | None:
    try:
        local = datetime.combine(date.fromordinal(ordinal), _MIDNIGHT, tzinfo=zone)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        # Outside date.min..date.max, or a midnight whose UTC instant is unrepresentable.
        return None


@functools.lru_cache(maxsize=512)
def _zone_block(
    zone: zoneinfo.ZoneInfo, block: int
) -> tuple[tuple[datetime | None, ...], tuple[tuple[int, timedelta], ...]]:
    # For 2**8 consecutive days: each day's start in UTC, and the days not 24 h long with
    # their excess over 24 h (a spring-forward day has -1 h, a skipped date -24 h).
    first = block << _BLOCK_BITS
    starts = tuple(_midnight_utc(zone, first + i) for i in range(1 << _BLOCK_BITS))
    odd: list[tuple[int, timedelta]] = []
    after = (*starts[1:], _midnight_utc(zone, first + (1 << _BLOCK_BITS)))
    for i, (start, end) in enumerate(zip(starts, after, strict=True)):
        if start is not None and end is not None and end - start != _DAY:
            odd.append((first + i, end - start - _DAY))
    return starts, tuple(odd)


def _odd_length_days(
    zone: zoneinfo.ZoneInfo, first: int, stop: int
) -> Iterator[tuple[int, timedelta]]:
    for block in range(first >> _BLOCK_BITS, ((stop - 1) >> _BLOCK_BITS) + 1):
        for ordinal, excess in _zone_block(zone, block)[1]:
            if first <= ordinal < stop:
                yield ordinal, excess


def local_datetime(calendar: WorkCalendar, day: date, at: time) -> datetime:
    """The UTC instant of local wall time `at` on `day`, moved forward through a DST gap."""
    if at.tzinfo is not None:
        raise ValueError("`at` is a local wall-clock time and must be naive")
    # fold=0 gives the first of two ambiguous instants and, in a gap, the pre-transition offset,
    # which lands the same distance past the gap as the wall time was into it (02:30 -> 03:30).
    local = datetime.combine(_date_only(day), at.replace(fold=0), tzinfo=calendar.timezone)
    return local.astimezone(UTC)


def is_working_time(calendar: WorkCalendar, instant: datetime) -> bool:
    """Whether `instant` falls inside a working day of the calendar."""
    return calendar._works(calendar._day_of(_utc(instant)))


def next_working_time(calendar: WorkCalendar, instant: datetime) -> datetime:
    """`instant` if it is working time, else the start of the next working day (in UTC)."""
    return add_working_hours(calendar, instant, _ZERO)


def add_working_hours(
    calendar: WorkCalendar, start: datetime, hours: timedelta | int | float | Decimal
) -> datetime:
    """The working instant reached after `hours` of working time counted from `start` (in UTC)."""
    duration = _as_duration(hours)
    first, spent = calendar._into_day(_utc(start))
    # Count from the start of `first`: the answer lies in the last day whose start is reached
    # within the budget. That day is a working day with time left in it, so a result landing
    # exactly on a Friday midnight becomes Monday 00:00, an instant of working time.
    budget = duration + spent
    day = calendar._last_day_within(first, budget)
    return calendar._day_start(day) + (budget - calendar._days_working_time(first, day))


def working_hours_between(calendar: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """The working time in [start, end); zero when `end` is not after `start`."""
    start_utc, end_utc = _utc(start), _utc(end)
    if end_utc <= start_utc:
        return _ZERO
    first, spent_before = calendar._into_day(start_utc)
    last, spent_after = calendar._into_day(end_utc)
    return calendar._days_working_time(first, last) + spent_after - spent_before


def working_hours_until(calendar: WorkCalendar, end: datetime) -> Callable[[datetime], timedelta]:
    """`working_hours_between(calendar, start, end)` as a function of `start`, for measuring
    many starts against one end (a report's "now"): the end's day is worked out once."""
    end_utc = _utc(end)
    last, spent_after = calendar._into_day(end_utc)

    def since(start: datetime) -> timedelta:
        start_utc = _utc(start)
        if end_utc <= start_utc:
            return _ZERO
        first, spent_before = calendar._into_day(start_utc)
        return calendar._days_working_time(first, last) + spent_after - spent_before

    return since


def next_working_day_at(calendar: WorkCalendar, after: datetime, at: time) -> datetime:
    """Local time `at` on the first working day strictly after the local date of `after`."""
    ordinal = calendar._day_of(_utc(after)) + 1
    # Terminates: workdays is non-empty and holidays are finite.
    while not calendar._works(ordinal):
        ordinal += 1
    return local_datetime(calendar, date.fromordinal(ordinal), at)


def working_day_on_or_before(calendar: WorkCalendar, day: date) -> date:
    """The latest working day that is `day` itself or earlier."""
    ordinal = _date_only(day).toordinal()
    while not calendar._works(ordinal):
        ordinal -= 1
    return date.fromordinal(ordinal)


def _utc(instant: datetime) -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"expected an aware datetime, got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()} has no time zone; pass it aware")
    return instant.astimezone(UTC)


def _date_only(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date, got {day!r}")
    return day


def _as_duration(hours: timedelta | int | float | Decimal) -> timedelta:
    # bool is an int; True working hours is almost certainly a bug at the call site.
    if isinstance(hours, bool):
        raise TypeError("hours must be a timedelta or a number, not a bool")
    if isinstance(hours, timedelta):
        duration = hours
    elif isinstance(hours, int):
        duration = timedelta(hours=hours)
    elif isinstance(hours, float):
        if not math.isfinite(hours):
            raise ValueError(f"hours must be finite, got {hours!r}")
        duration = timedelta(hours=hours)
    elif isinstance(hours, Decimal):
        if not hours.is_finite():
            raise ValueError(f"hours must be finite, got {hours!r}")
        # Exact to the microsecond, with no detour through float.
        micros = (hours * _MICROSECONDS_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN)
        duration = timedelta(microseconds=int(micros))
    else:
        raise TypeError(f"hours must be a timedelta, int, float or Decimal, got {hours!r}")
    if duration < _ZERO:
        raise ValueError(f"working hours cannot be negative, got {hours!r}")
    return duration
