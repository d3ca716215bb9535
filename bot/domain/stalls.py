"""Stalls (issue 30): work that stopped moving, noticed and told once.

* A **procurement step past its upper bound** (`bot/domain/procurement.py`: over its bound from
  day upper + 1) is told to the request's buyer and analyst once, in their digest; still
  running `STEP_ESCALATION_HOURS` working hours after that, it is raised to the em once.
* A **quiet negotiation**: a negotiating request with no update, quote, procurement-stage change
  or savings claim (nor its handover) for `QUIET_DAYS` calendar days is *stalled* — flagged on
  its card, in the aging report and in the analyst's digest. A held request is not stalled:
  it waits on someone outside the POD (bot/domain/holds.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.domain.vocabulary import EventKind
from bot.domain.working_time import WorkCalendar, add_working_hours

QUIET_DAYS = 14
STEP_ESCALATION_HOURS = 24

# What counts as activity on a negotiating request.
ACTIVITY_KINDS = (
    EventKind.ASSIGNED,
    EventKind.UPDATE,
    EventKind.QUOTE,
    EventKind.PROCUREMENT_STARTED,
    EventKind.PROCUREMENT_DONE,
    EventKind.SAVINGS_CLAIMED,
    EventKind.RESUMED,
)


def last_activity(instants: Iterable[datetime | None]) -> datetime | None:
    """The latest of the instants given (None when none)."""
    found = [at for at in instants if at is not None]
    return max(found) if found else None


def stalled_at(last: datetime) -> datetime:
    """When a request quiet since `last` becomes stalled: QUIET_DAYS calendar days on."""
    return last + timedelta(days=QUIET_DAYS)


def is_stalled(last: datetime | None, now: datetime, *, held: bool = False) -> bool:
    """Whether a negotiating request quiet since `last` is stalled at `now`."""
    return last is not None and not held and stalled_at(last) <= now


def step_escalation_due(calendar: WorkCalendar, warned_at: datetime) -> datetime:
    """When a procurement step past its bound, warned about at `warned_at`, goes to the em."""
    return add_working_hours(calendar, warned_at, STEP_ESCALATION_HOURS)
