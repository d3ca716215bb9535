"""Reminders, warnings and digests (SPEC §5): when an item is due, when its DM may go out, and
how a person's items are grouped into one digest per kind per working day. Pure: no clock, no
I/O; every instant in and out is aware.

* **Office hours** (`[schedule] office_hours`, "09:00-18:00"): reminder and warning DMs go
  out only inside them, on the POD's working days. A DM due at 23:00 waits for 09:00 on the
  next working day; the clocks themselves keep counting (SPEC §2).
* **Digests**: a person gets at most one DM per kind per working day, listing every item of
  that kind still overdue or pending; items not listed in an earlier digest are marked new.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from bot.domain.working_time import (
    WorkCalendar,
    add_working_hours,
    local_datetime,
    working_hours_between,
)

__all__ = [
    "APPROVAL_ESCALATION_HOURS",
    "APPROVAL_HOURS",
    "BREACH_ESCALATION_HOURS",
    "QUALIFICATION_SOON_HOURS",
    "TAT_SOON_DAYS",
    "TAT_WARNING_DAYS",
    "ClockBadge",
    "Digest",
    "DigestKind",
    "Item",
    "OfficeHours",
    "approval_due",
    "approval_escalation_due",
    "breach_escalation_due",
    "digests",
    "in_office_hours",
    "local_day",
    "office_slot",
    "parse_office_hours",
    "qualification_badge",
    "tat_badge",
    "tat_warning_at",
    "update_badge",
]

APPROVAL_HOURS = 24  # a pending claim goes on its ems' approval queue after this
APPROVAL_ESCALATION_HOURS = 48  # …and is raised in the request's thread after this
BREACH_ESCALATION_HOURS = 24  # a breach still open this long after its alert is raised again
TAT_WARNING_DAYS = 3  # calendar days before the negotiation TAT is due

_RANGE = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class OfficeHours:
    """A POD's office hours on its working days: [start, end) local wall time."""

    start: time = time(9, 0)
    end: time = time(18, 0)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("office hours must end after they start")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_office_hours(text: str) -> OfficeHours:
    """`"09:00-18:00"` → OfficeHours; ValueError unless it is two times, the first earlier."""
    m = _RANGE.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f'"{text}" is not a range of times of day like "09:00-18:00"')
    start = time(int(m[1]), int(m[2]))
    end_hour, end_minute = int(m[3]), int(m[4])
    if end_hour == 24 and end_minute:
        raise ValueError(f'"{text}" ends after 24:00')
    end = time.max if end_hour == 24 else time(end_hour, end_minute)
    if end <= start:
        raise ValueError(f'"{text}" must end after it starts')
    return OfficeHours(start, end)


def local_day(calendar: WorkCalendar, instant: datetime) -> date:
    """The POD-local date of an instant."""
    return instant.astimezone(calendar.timezone).date()


def _bounds(calendar: WorkCalendar, hours: OfficeHours, day: date) -> tuple[datetime, datetime]:
    start = local_datetime(calendar, day, hours.start)
    if hours.end == time.max:
        end = local_datetime(calendar, day + timedelta(days=1), time(0))
    else:
        end = local_datetime(calendar, day, hours.end)
    return start, end


def in_office_hours(calendar: WorkCalendar, hours: OfficeHours, instant: datetime) -> bool:
    """Whether `instant` is inside office hours on a working day of the POD."""
    day = local_day(calendar, instant)
    if not calendar.is_working_day(day):
        return False
    start, end = _bounds(calendar, hours, day)
    return start <= instant < end


def office_slot(calendar: WorkCalendar, hours: OfficeHours, due: datetime) -> datetime:
    """The first instant at or after `due` inside office hours on a working day."""
    day = local_day(calendar, due)
    # The due day itself, then the following days: a working day always comes (see
    # WorkCalendar), and each working day has an office-hours slot.
    while True:
        if calendar.is_working_day(day):
            start, end = _bounds(calendar, hours, day)
            if due < end and start < end:
                return max(due, start)
        day += timedelta(days=1)


# -- due instants --------------------------------------------------------------------------


def approval_due(calendar: WorkCalendar, created_at: datetime) -> datetime:
    """When a pending claim goes on its ems' approval queue (24 working hours)."""
    return add_working_hours(calendar, created_at, APPROVAL_HOURS)


def approval_escalation_due(calendar: WorkCalendar, created_at: datetime) -> datetime:
    """When a still-pending claim is raised in the request's thread (48 working hours)."""
    return add_working_hours(calendar, created_at, APPROVAL_ESCALATION_HOURS)


def breach_escalation_due(calendar: WorkCalendar, alerted_at: datetime) -> datetime:
    """When a breach still open after its alert is raised once more (24 working hours)."""
    return add_working_hours(calendar, alerted_at, BREACH_ESCALATION_HOURS)


def tat_warning_at(tat_due_at: datetime) -> datetime:
    """When the "TAT due in 3 days" warning is due: 3 calendar days before the TAT."""
    return tat_due_at - timedelta(days=TAT_WARNING_DAYS)


# -- digests -------------------------------------------------------------------------------


class DigestKind:
    """The kinds of digest a person gets, at most one DM each per working day."""

    UPDATE = "update"  # buyers: negotiating requests without an update for 24 wh
    MENTION = "mention"  # members: mentions unanswered for 24 wh
    BREACH = "breach"  # analysts: open breaches
    APPROVAL = "approval"  # ems: claims pending for 24 wh
    TAT_WARNING = "tat_warning"  # buyer and analysts: TAT due in 3 days (each request once)
    ESCALATION = "escalation"  # ems: their POD's mentions unanswered for 48 wh
    # buyer, analysts, then the em: a stage past its bound, a quiet negotiation, a long hold
    # (each raised once by `tat-alerts`, issue 30)
    STALL = "stall"
    # analysts: pre-approvals the customer answered in their channel (issue 32), listed once
    PREAPPROVAL_ANSWER = "preapproval_answer"
    # csms and ems: a customer with repeat incorrect requests (issue 35), listed once
    REPEAT_DQ = "repeat_dq"
    # analysts: vendor documents expiring within 30 days (issue 33), listed once
    VENDOR_EXPIRY = "vendor_expiry"

    ALL = (
        UPDATE, MENTION, BREACH, APPROVAL, TAT_WARNING, ESCALATION, STALL, PREAPPROVAL_ANSWER,
        REPEAT_DQ, VENDOR_EXPIRY,
    )  # fmt: skip
    # Kinds whose items are listed once only, not again while they stay open.
    ONCE = frozenset({TAT_WARNING, STALL, PREAPPROVAL_ANSWER, REPEAT_DQ, VENDOR_EXPIRY})


P = TypeVar("P")


@dataclass(frozen=True)
class Item(Generic[P]):
    """One open item for one person: its kind, subject (a request, claim or mention id), the
    due instant that opened its window, and what the job needs to show it."""

    kind: str
    subject: int
    user: str
    due: datetime
    payload: P = field(compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, str, datetime]:
        return (self.kind, self.subject, self.user, self.due)


@dataclass(frozen=True)
class Digest(Generic[P]):
    """One person's digest of one kind for one local day: every open item, the new ones
    (never listed before for the same window) marked."""

    user: str
    kind: str
    day: date
    items: tuple[Item[P], ...]
    new: frozenset[tuple[str, int, str, datetime]]

    def is_new(self, item: Item[P]) -> bool:
        return item.key in self.new


def digests(
    items: Iterable[Item[P]],
    *,
    calendar: WorkCalendar,
    hours: OfficeHours,
    now: datetime,
    listed: Iterable[tuple[str, int, str, datetime]],
    sent_today: Mapping[tuple[str, str], bool],
) -> list[Digest[P]]:
    """The digests to send at `now`.

    `items` are the open items (due or not); `listed` the keys of items listed in an earlier
    digest; `sent_today[(user, kind)]` says that person's digest of that kind was already sent
    on `now`'s local day (False or missing: not sent, or snoozed and the snooze has run out).
    Nothing is sent outside office hours on working days. An item is listed when its office
    slot has come; a person with any item due gets one digest of every due item of the kind,
    those listed yesterday included — except kinds listed once (`DigestKind.ONCE`)."""
    if not in_office_hours(calendar, hours, now):
        return []
    seen = set(listed)
    day = local_day(calendar, now)
    grouped: dict[tuple[str, str], list[Item[P]]] = {}
    for item in items:
        if office_slot(calendar, hours, item.due) > now:
            continue
        if item.kind in DigestKind.ONCE and item.key in seen:
            continue
        grouped.setdefault((item.user, item.kind), []).append(item)
    out = []
    for (user, kind), group in grouped.items():
        if sent_today.get((user, kind), False):
            continue
        group.sort(key=lambda i: (i.due, i.subject))
        new = frozenset(i.key for i in group if i.key not in seen)
        out.append(Digest(user, kind, day, tuple(group), new))
    out.sort(key=lambda d: (DigestKind.ALL.index(d.kind), d.user))
    return out


# -- the card's clocks ---------------------------------------------------------------------

QUALIFICATION_SOON_HOURS = 4  # working hours before qualification is due: "due soon"
TAT_SOON_DAYS = TAT_WARNING_DAYS  # calendar days before the negotiation TAT: "due soon"


class ClockBadge:
    """What a card says of a clock at a glance."""

    DUE_SOON = "due soon"
    OVERDUE = "overdue"  # qualification or an update past due
    BREACHED = "breached"  # the negotiation TAT past due


def qualification_badge(calendar: WorkCalendar, now: datetime, due: datetime) -> str | None:
    """Overdue once past due; due soon within 4 working hours of it."""
    if now >= due:
        return ClockBadge.OVERDUE
    if working_hours_between(calendar, now, due) <= timedelta(hours=QUALIFICATION_SOON_HOURS):
        return ClockBadge.DUE_SOON
    return None


def tat_badge(now: datetime, due: datetime) -> str | None:
    """Breached once past due; due soon within 3 calendar days of it (the TAT warning's)."""
    if now >= due:
        return ClockBadge.BREACHED
    if now >= due - timedelta(days=TAT_SOON_DAYS):
        return ClockBadge.DUE_SOON
    return None


def update_badge(now: datetime, next_due: datetime) -> str | None:
    """Overdue once the next buyer update is past due."""
    return ClockBadge.OVERDUE if now >= next_due else None
