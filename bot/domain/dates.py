"""Arithmetic on stored dates that stays in range (issue 25).

A stored date is not always a plausible one: CRM and SQL exports write `0001-01-01` or
`9999-12-31` for "no date", and rows entered by older versions or written straight into the
database keep them. Python's dates and datetimes end at `date.min`/`date.max`, so "local
midnight of year 1 in Kolkata, in UTC" or "renewal date − notice days" raises OverflowError,
and one such account or contract would fail every KPI, Home and job of its POD. Every place
that turns a stored date into another date or an instant goes through these two functions,
which hold the result at the end of the range instead. Pure: no clock, no I/O.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

__all__ = ["EARLIEST", "LATEST", "add_days", "day_start"]

# The first and last instants an aware UTC datetime can hold.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def add_days(day: date, days: int) -> date:
    """`day` plus `days` (minus, when negative), held to `date.min`…`date.max`: a renewal on
    0001-01-01 with 30 days' notice has its deadline on 0001-01-01, not an OverflowError."""
    ordinal = day.toordinal() + days
    return date.fromordinal(min(max(ordinal, date.min.toordinal()), date.max.toordinal()))


def day_start(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which the local `day` begins in `zone`, held to EARLIEST…LATEST:
    midnight of 0001-01-01 east of UTC falls before the first instant Python can hold."""
    try:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:  # only at the two ends of the calendar
        return EARLIEST if day.year == date.min.year else LATEST
