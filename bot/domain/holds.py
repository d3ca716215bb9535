"""Holds (issue 30): while the customer or the vendor has the ball, a request's clock stops.

A **hold** is a span of time during which a request waits on someone outside the POD — the
customer or the vendor. While it is open the clock it holds does not count: when it ends, the
clock's due instant moves out by the time held, **in the clock's own unit**:

* the negotiation **TAT** counts calendar days, so the held time is the wall-clock time between
  the hold's start and end in the POD's zone (a hold of 10 calendar days pushes the due date
  by 10 days, at the same local time of day, whatever DST did meanwhile);
* the **qualification** clock counts working hours, so the held time is the working time
  between them and the due instant moves out by as many working hours.

The rule is one sentence: **due = original + total held time** (an open hold counting up to
now), whatever the sequence of holds and resumes. `HoldState` is the sequence's rules: a hold
while one is open is refused, and so is a resume without one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.working_time import (
    WorkCalendar,
    add_working_hours,
    local_datetime,
    working_hours_between,
)

# A hold open longer than this many calendar days is raised to the analyst, then the em
# (`[clocks] hold_review_days`).
DEFAULT_HOLD_REVIEW_DAYS = 10


class HoldParty(enum.StrEnum):
    """Whom a held request waits on (`holds.party`)."""

    CUSTOMER = "customer"
    VENDOR = "vendor"


class HeldClock(enum.StrEnum):
    """Which clock a hold stops (`holds.clock`): the negotiation TAT (negotiating) or the
    qualification clock (intake; a pre-approval sent to the customer starts one)."""

    TAT = "tat"
    QUALIFICATION = "qualification"


def party_words(party: str) -> str:
    """'the customer', 'the vendor'."""
    return f"the {party}"


@dataclass(frozen=True)
class Span:
    """One hold: from `start` to `end` (None: still open). Aware instants."""

    start: datetime
    end: datetime | None = None


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def held_calendar_time(start: datetime, end: datetime, timezone: str) -> timedelta:
    """The calendar time between two instants as the POD's wall clock reads it (a hold from
    10:00 on Mar 5 to 10:00 on Mar 15 is 10 days, across a DST change too); never negative."""
    zone = ZoneInfo(timezone)
    return max(_wall(end, zone) - _wall(start, zone), timedelta(0))


def push_calendar(due: datetime, held: timedelta, timezone: str) -> datetime:
    """`due` moved out by `held` of the POD's wall clock (same local time after whole days)."""
    zone = ZoneInfo(timezone)
    wall = _wall(due, zone) + held
    calendar = WorkCalendar(timezone=zone, workdays=frozenset(range(7)))
    return local_datetime(calendar, wall.date(), wall.time())


def total_held(spans: Iterable[Span], now: datetime, timezone: str) -> timedelta:
    """The calendar time held by all spans, an open one counted up to `now`."""
    return sum(
        (held_calendar_time(s.start, s.end or max(now, s.start), timezone) for s in spans),
        timedelta(0),
    )


def tat_due(original: datetime, spans: Iterable[Span], now: datetime, timezone: str) -> datetime:
    """The negotiation TAT's due instant: the original due + every hold's calendar time."""
    return push_calendar(original, total_held(spans, now, timezone), timezone)


def qualification_due(
    calendar: WorkCalendar, original: datetime, spans: Iterable[Span], now: datetime
) -> datetime:
    """The qualification clock's due instant: the original due + every hold's working time."""
    held = sum(
        (working_hours_between(calendar, s.start, s.end or max(now, s.start)) for s in spans),
        timedelta(0),
    )
    return add_working_hours(calendar, original, held)


def held_days(start: datetime, now: datetime, timezone: str) -> int:
    """Calendar days a hold has lasted: local days since its start day (that day is 0)."""
    zone = ZoneInfo(timezone)
    return max((now.astimezone(zone).date() - start.astimezone(zone).date()).days, 0)


def hold_review_due(start: datetime, days: int) -> datetime:
    """When a hold open since `start` is raised for review: `days` calendar days on."""
    return start + timedelta(days=days)


class HoldError(Exception):
    """A hold or resume the sequence's rules refuse; `message` is one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class HoldState:
    """A clock's holds in order: `hold` opens one, `resume` ends it. The rules of `/proc hold`
    and `/proc resume`, kept pure so that any sequence can be checked against the one rule."""

    spans: list[Span] = field(default_factory=list)

    @property
    def open(self) -> Span | None:
        return self.spans[-1] if self.spans and self.spans[-1].end is None else None

    def hold(self, at: datetime, key: str = "The request") -> None:
        if self.open is not None:
            raise HoldError(f"{key} is already on hold; `/proc resume {key}` ends that hold.")
        if self.spans and self.spans[-1].end is not None and at < self.spans[-1].end:
            raise HoldError(f"{key}'s last hold ended after that time.")
        self.spans.append(Span(at))

    def resume(self, at: datetime, key: str = "The request") -> Span:
        span = self.open
        if span is None:
            raise HoldError(f"{key} is not on hold, so there is nothing to resume.")
        ended = Span(span.start, max(at, span.start))
        self.spans[-1] = ended
        return ended
