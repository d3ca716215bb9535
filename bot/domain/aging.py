"""Aging and TAT day counts (SPEC §5): calendar days between local dates in a POD's time zone.

Both rules compare the *local calendar dates* of two instants, not elapsed 24-hour periods, so a
request opened at 23:50 is one day old ten minutes later, and a DST change never shifts a count.
The aging report's rules (its lines, flags, order and counts) are here too, as pure functions.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from bot.domain.procurement import StepClock, step_clock
from bot.domain.stalls import is_stalled
from bot.domain.vocabulary import OPEN_STAGES, Stage
from bot.domain.working_time import WorkCalendar, add_working_hours, working_hours_until

__all__ = [
    "DUE_SOON_DAYS",
    "REPORT_STAGES",
    "AgingItem",
    "AgingLine",
    "Flag",
    "UnrecordedTerm",
    "age_in_days",
    "aging_line",
    "aging_lines",
    "aging_summary",
    "days_left",
    "local_date",
    "unrecorded_terms",
]

# Open stages in the order the report lists them.
REPORT_STAGES = OPEN_STAGES
DUE_SOON_DAYS = 3


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
    return _age(local_date(created_at, timezone), local_date(now, timezone))


def _age(created: date, today: date) -> int:
    # A creation time a little ahead of `now` (clock skew between processes) is still "today".
    return max((today - created).days, 0)


def days_left(due_at: datetime, now: datetime, timezone: str) -> int:
    """Return calendar days from today to the due date in the POD's zone (negative = overdue)."""
    return (local_date(due_at, timezone) - local_date(now, timezone)).days


# --- the aging report's rules --------------------------------------------------------------


class Flag(StrEnum):
    """Why an open request needs attention in the aging report."""

    TAT_BREACHED = "tat_breached"
    DUE_SOON = "due_soon"
    NO_UPDATE = "no_update"
    NOT_QUALIFIED = "not_qualified"
    # A pre-approval went to the customer (intake): the qualification clock is met.
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    # A negotiating request's procurement step past its expected upper bound (calendar days).
    STAGE_OVER = "stage_over"


# Plain slotted classes, not frozen ones: a report makes thousands, and a frozen dataclass
# costs four times as much to build. They are values all the same: nothing mutates them.
@dataclass(slots=True)
class AgingItem:
    """One open request as the aging job reads it; instants are aware, owner is a Slack user id."""

    number: int
    key: str
    customer: str
    tool: str
    kind: str
    stage: str
    # The buyer when negotiating, else the analyst, else the creator.
    owner: str | None
    created_at: datetime
    qualification_due_at: datetime
    tat_due_at: datetime | None
    # Set at assignment and reset by each buyer update; None when the assignment is unknown.
    last_update_at: datetime | None
    # A pre-approval sent to the customer while in intake (meets the qualification clock).
    preapproved_at: datetime | None = None
    # The procurement step under way (negotiating): its name, start and expected weeks.
    procurement_step: str | None = None
    procurement_started_at: datetime | None = None
    procurement_weeks: tuple[int, int] | None = None
    # An open hold (issue 30): whom it waits on and since when; its clock is stopped.
    hold_party: str | None = None
    hold_since: datetime | None = None
    # The last update, quote, procurement-stage change, claim or handover (negotiating).
    last_activity_at: datetime | None = None


@dataclass(slots=True)
class AgingLine:
    """One request's row of the aging report: its age, its due date and its flags."""

    item: AgingItem
    age_days: int
    # negotiating: the TAT due instant; intake: the qualification due instant; qualified: None.
    due_at: datetime | None
    due_date: date | None
    days_left: int | None
    flags: frozenset[Flag]
    # The procurement step under way, as of the report: day n of lower–upper.
    procurement: StepClock | None = None
    # The POD-local day a pre-approval went to the customer (intake): waiting on it since.
    waiting_since: date | None = None
    # On hold (issue 30): the POD-local day it started and its age in calendar days.
    held_since: date | None = None
    held_days: int = 0
    # A quiet negotiation (bot/domain/stalls.py): the POD-local day of its last activity.
    stalled_since: date | None = None


_STAGE_RANK: dict[str, int] = {stage: rank for rank, stage in enumerate(REPORT_STAGES)}


def aging_line(
    item: AgingItem, now: datetime, calendar: WorkCalendar, update_hours: int
) -> AgingLine:
    """Compute one request's age, due date, days left and flags as of `now` in the POD's zone."""
    return _AsOf(now, calendar, update_hours).line(item)


class _AsOf:
    """A report's instant, worked out once for all of its lines: today's date in the POD's
    zone, the zone itself and a meter of working hours from any instant up to `now`."""

    def __init__(self, now: datetime, calendar: WorkCalendar, update_hours: int) -> None:
        if update_hours < 0:
            raise ValueError(f"update_hours cannot be negative, got {update_hours!r}")
        self.now = now
        self.zone = calendar.timezone
        self.today = local_date(now, calendar.timezone.key)
        self.quiet_limit = timedelta(hours=update_hours)
        self.quiet_since = working_hours_until(calendar, now)

    def line(self, item: AgingItem) -> AgingLine:
        if item.stage not in _STAGE_RANK:
            raise ValueError(f"{item.key}: stage {item.stage!r} is not an open stage")
        now, zone, today = self.now, self.zone, self.today
        # Instants from the database are aware UTC, so astimezone() is the local_date rule.
        age = _age(_local(item.created_at, zone), today)
        flags: set[Flag] = set()
        due_at: datetime | None = None
        due_date: date | None = None
        procurement: StepClock | None = None
        held = item.hold_since is not None and item.preapproved_at is None
        if held:
            # A held clock is stopped: nothing is due or breached while the hold lasts.
            pass
        elif item.stage == Stage.INTAKE:
            if item.preapproved_at is not None:
                # The pre-approval met the qualification clock: nothing is due any more.
                flags.add(Flag.WAITING_ON_CUSTOMER)
            else:
                due_at = item.qualification_due_at
                if now >= due_at:
                    flags.add(Flag.NOT_QUALIFIED)
        elif item.stage == Stage.NEGOTIATING:
            due_at = item.tat_due_at
            if due_at is not None:
                due_date = _local(due_at, zone)
                if now >= due_at:
                    flags.add(Flag.TAT_BREACHED)
                elif (due_date - today).days <= DUE_SOON_DAYS:
                    flags.add(Flag.DUE_SOON)
            # No timestamp means the assignment was never recorded: nothing to measure from.
            quiet_since = item.last_update_at
            if quiet_since is not None and self.quiet_since(quiet_since) >= self.quiet_limit:
                flags.add(Flag.NO_UPDATE)
            if (
                item.procurement_step is not None
                and item.procurement_started_at is not None
                and item.procurement_weeks is not None
            ):
                procurement = step_clock(
                    item.procurement_step, item.procurement_started_at, now, zone.key,
                    item.procurement_weeks,
                )  # fmt: skip
                if procurement.over:
                    flags.add(Flag.STAGE_OVER)
        if due_at is not None and due_date is None:
            due_date = _local(due_at, zone)
        held_since = _local(item.hold_since, zone) if held and item.hold_since else None
        stalled = (
            item.stage == Stage.NEGOTIATING
            and is_stalled(item.last_activity_at, now, held=item.hold_since is not None)
            and item.last_activity_at is not None
        )
        return AgingLine(
            item=item,
            age_days=age,
            due_at=due_at,
            due_date=due_date,
            days_left=(due_date - today).days if due_date is not None else None,
            flags=frozenset(flags),
            procurement=procurement,
            waiting_since=(
                _local(item.preapproved_at, zone) if item.preapproved_at is not None else None
            ),
            held_since=held_since,
            held_days=max((today - held_since).days, 0) if held_since else 0,
            stalled_since=(
                _local(item.last_activity_at, zone)
                if stalled and item.last_activity_at is not None
                else None
            ),
        )


def _local(instant: datetime, zone: zoneinfo.ZoneInfo) -> date:
    if instant.tzinfo is None:
        raise ValueError(f"instant must be timezone-aware, got naive {instant!r}")
    return instant.astimezone(zone).date()


def _report_order(line: AgingLine) -> tuple[int, bool, datetime, datetime, int]:
    item = line.item
    created = item.created_at.astimezone(UTC)
    # Within a stage: earliest due first (the most overdue), then the oldest, then the number.
    due = line.due_at.astimezone(UTC) if line.due_at is not None else created
    return _STAGE_RANK[item.stage], line.due_at is None, due, created, item.number


def aging_lines(
    items: Iterable[AgingItem], now: datetime, calendar: WorkCalendar, update_hours: int
) -> list[AgingLine]:
    """Compute every line in report order: by stage, then the most overdue and oldest first."""
    line = _AsOf(now, calendar, update_hours).line
    return sorted(map(line, items), key=_report_order)


def aging_summary(lines: Iterable[AgingLine]) -> dict[str, int]:
    """Count open requests, requests per stage and requests per flag (every key, even when 0)."""
    counts: dict[str, int] = {
        "open": 0,
        **dict.fromkeys(REPORT_STAGES, 0),
        **{flag.value: 0 for flag in Flag},
    }
    for line in lines:
        counts["open"] += 1
        counts[line.item.stage] = counts.get(line.item.stage, 0) + 1
        for flag in line.flags:
            counts[flag.value] += 1
    return counts


# --- won requests whose new term is not in the SaaS stack yet ----------------------------


@dataclass(slots=True)
class UnrecordedTerm:
    """A won request whose new term is unrecorded; `due_at` is filled by `unrecorded_terms`."""

    number: int
    key: str
    customer: str
    tool: str
    analyst: str | None
    closed_at: datetime
    due_at: datetime | None = None


def unrecorded_terms(
    items: Iterable[UnrecordedTerm], now: datetime, calendar: WorkCalendar, hours: int
) -> list[UnrecordedTerm]:
    """The won requests whose term is still unrecorded `hours` working hours after the close
    (the POD's calendar), the longest overdue first."""
    late = []
    for item in items:
        item.due_at = add_working_hours(calendar, item.closed_at, hours)
        if item.due_at <= now:
            late.append(item)
    return sorted(late, key=lambda i: (i.due_at, i.number))


@dataclass(frozen=True)
class WaitingClaim:
    """A pending savings claim as the aging report and the approval queue read it."""

    claim_id: int
    number: int
    key: str
    customer: str
    tool: str
    buyer: str | None
    saved: str  # the claim in one phrase, `$8,500 (17.7%)`
    created_at: datetime
    kind: str = "savings"  # a `ClaimKind`: savings, or avoidance (said "avoided")


def waiting_for_an_em(
    claims: Iterable[WaitingClaim], now: datetime, calendar: WorkCalendar, hours: int = 24
) -> list[WaitingClaim]:
    """The claims pending for `hours` working hours or more (from their creation), oldest first."""
    return sorted(
        (c for c in claims if add_working_hours(calendar, c.created_at, hours) <= now),
        key=lambda c: (c.created_at, c.claim_id),
    )
