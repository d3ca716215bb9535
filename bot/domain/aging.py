"""Aging and TAT day counts (SPEC §5): calendar days between local dates in a POD's time zone.

Both rules compare the *local calendar dates* of two instants, not elapsed 24-hour periods, so a
request opened at 23:50 is one day old ten minutes later, and a DST change never shifts a count.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime

__all__ = ["age_in_days", "days_left", "local_date"]


@functools.cache
def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc


def local_date(instant: datetime, timezone: str) -> date:
    """Return the calendar date an aware instant falls on in the given IANA zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant must be timezone-aware, got naive {instant!r}")
    return instant.astimezone(_zone(timezone)).date()


def age_in_days(created_at: datetime, now: datetime, timezone: str) -> int:
    """Return calendar days since creation in the POD's zone (created today = 0, never negative)."""
    days = (local_date(now, timezone) - local_date(created_at, timezone)).days
    # A creation time a little ahead of `now` (clock skew between processes) is still "today".
    return max(days, 0)


def days_left(due_at: datetime, now: datetime, timezone: str) -> int:
    """Return calendar days from today to the due date in the POD's zone (negative = overdue)."""
    return (local_date(due_at, timezone) - local_date(now, timezone)).days
