"""The weekly customer check-in pack (`checkin-pack`, `/proc checkin`): one customer's open
requests, what closed and what savings were approved in the last 7 days, and the renewals of the
next 90 days — as lines and as CSV rows with the same figures — and whether the customer had
activity that week (`had_activity`: the weekly post threads only those packs). Pure: `now` is
passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.csv_out import Cell, write_table
from bot.domain.money import Money
from bot.domain.usage import DEFAULT_HEADROOM, Usage
from bot.domain.vocabulary import EventKind

__all__ = [
    "CHECKIN_CSV_COLUMNS", "CHECKIN_LOOKBACK_DAYS", "CHECKIN_RENEWAL_DAYS", "CheckinPack",
    "Closed", "Open", "Renewal", "Saving", "TimelineEvent", "checkin_csv", "checkin_csv_name",
    "checkin_pack", "had_activity", "update_fields",
]  # fmt: skip

CHECKIN_LOOKBACK_DAYS = 7
CHECKIN_RENEWAL_DAYS = 90
CHECKIN_CSV_COLUMNS = (
    "section", "key", "tool", "stage", "age_days", "tat_days_left", "next_step", "blockers",
    "outcome", "date", "amount", "currency",
)  # fmt: skip
# podbot's own timeline events (a reminder, an escalation) say nothing happened; a TAT
# breach, recorded by podbot too, is news.
_PODBOT = "podbot"
_FIELD = re.compile(r"^\*(Next step|Blockers):\* (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Open:
    key: str
    tool: str
    stage: str
    created_at: datetime
    tat_due_at: datetime | None
    update: str | None  # the latest update's text
    # An open hold (issue 30): whom the request waits on (customer or vendor), since when.
    hold_party: str | None = None
    hold_since: datetime | None = None


@dataclass(frozen=True)
class Closed:
    key: str
    tool: str
    outcome: str
    closed_at: datetime


@dataclass(frozen=True)
class Saving:
    key: str
    tool: str
    savings: Money
    approved_at: datetime
    kind: str = "savings"  # a `ClaimKind`: an avoidance claim says "avoided"


@dataclass(frozen=True)
class Renewal:
    tool: str
    renewal_date: date
    annual: Money
    usage: Usage | None = None  # the customer's latest seat usage of the tool (issue 34)


@dataclass(frozen=True)
class TimelineEvent:
    """One timeline event of one of the customer's requests (a `request_events` row)."""

    key: str
    kind: str
    at: datetime
    actor: str  # a member's id, or "podbot"


@dataclass(frozen=True)
class OpenLine:
    key: str
    tool: str
    stage: str
    age_days: int
    tat_days_left: int | None
    next_step: str | None
    blockers: str | None
    # On hold: whom it waits on ("customer": the pack says "waiting on you") and since when.
    hold_party: str | None = None
    hold_since: date | None = None


@dataclass(frozen=True)
class CheckinPack:
    customer: str
    pod_name: str
    as_of: date
    open: list[OpenLine]
    closed: list[Closed]
    savings: list[Saving]
    renewals: list[Renewal]
    timezone: str = "UTC"  # the POD's
    # Timeline events of the last 7 days that count as activity: every one a person recorded (an
    # update, a quote, a claim or its decision, a stage change, an assignment), and breaches.
    activity: int = 0
    # `[usage] headroom`: what a renewal's right-size target adds to its active seats.
    headroom: Decimal = DEFAULT_HEADROOM


def update_fields(text: str | None) -> tuple[str | None, str | None]:
    """(next step, blockers) of an update written with the update form (its `*Next step:*` and
    `*Blockers:*` lines); a free-text update has neither."""
    found = {name: value.strip() for name, value in _FIELD.findall(text or "")}
    return found.get("Next step"), found.get("Blockers")


def checkin_pack(
    customer: str, pod_name: str, zone: ZoneInfo, now: datetime, *, open_requests: list[Open],
    closed: list[Closed], savings: list[Saving], renewals: list[Renewal],
    events: Iterable[TimelineEvent] = (), headroom: Decimal = DEFAULT_HEADROOM,
) -> CheckinPack:  # fmt: skip
    """The pack as of `now`: closes and approvals of the last 7 days, renewals in 90, and how
    many of `events` (the customer's requests' timelines) are activity of the last 7 days."""
    today = now.astimezone(zone).date()
    since = now - timedelta(days=CHECKIN_LOOKBACK_DAYS)
    lines = []
    for r in sorted(open_requests, key=lambda r: r.created_at):
        next_step, blockers = update_fields(r.update)
        left = (r.tat_due_at.astimezone(zone).date() - today).days if r.tat_due_at else None
        age = (today - r.created_at.astimezone(zone).date()).days
        held = r.hold_since.astimezone(zone).date() if r.hold_since else None
        lines.append(
            OpenLine(
                r.key, r.tool, r.stage, age, None if held else left, next_step, blockers,
                r.hold_party if held else None, held,
            )
        )  # fmt: skip
    return CheckinPack(
        customer=customer,
        pod_name=pod_name,
        timezone=zone.key,
        as_of=today,
        open=lines,
        closed=sorted(
            (
                replace(c, closed_at=c.closed_at.astimezone(zone))
                for c in closed
                if c.closed_at >= since
            ),
            key=lambda c: c.closed_at,
        ),
        savings=sorted(
            (
                replace(s, approved_at=s.approved_at.astimezone(zone))
                for s in savings
                if s.approved_at >= since
            ),
            key=lambda s: s.approved_at,
        ),
        renewals=sorted(
            (
                r
                for r in renewals
                if today <= r.renewal_date <= today + timedelta(days=CHECKIN_RENEWAL_DAYS)
            ),
            key=lambda r: r.renewal_date,
        ),
        activity=sum(
            1
            for e in events
            if e.at >= since and (e.actor != _PODBOT or e.kind == EventKind.TAT_BREACHED)
        ),
        headroom=headroom,
    )


def had_activity(pack: CheckinPack) -> bool:
    """Whether the customer has news this week, read from the pack itself: an event counted in
    `activity` (an update, a quote, a claim or its decision, a stage change, an assignment, a
    breach — not podbot's reminders), a request opened, closed or with savings approved in the
    last 7 days, or an open request whose TAT falls due within 7 days either side of today
    (just past or coming). A customer with none is quiet: only renewals, or open requests
    nobody touched."""
    window = CHECKIN_LOOKBACK_DAYS
    return bool(
        pack.activity
        or pack.closed
        or pack.savings
        or any(o.age_days <= window for o in pack.open)
        or any(o.tat_days_left is not None and -window <= o.tat_days_left <= window
               for o in pack.open)
    )  # fmt: skip


def checkin_csv(pack: CheckinPack) -> str:
    """The pack as CSV: `section,key,tool,stage,age_days,tat_days_left,next_step,blockers,
    outcome,date,amount,currency`, one row per line of the message; dates are ISO YYYY-MM-DD,
    as in every file podbot reads or writes (spreadsheets sort them; SPEC §3c). Written by
    `write_table`, so a next step or blocker typed as a formula is shown, never run."""
    day = date.isoformat
    cent = Decimal("0.01")
    rows: list[list[Cell]] = []
    for o in pack.open:
        rows.append(
            ["open", o.key, o.tool, o.stage, o.age_days, o.tat_days_left, o.next_step,
             o.blockers, None, None, None, None]
        )  # fmt: skip
    for c in pack.closed:
        rows.append(
            ["closed", c.key, c.tool, "closed", None, None, None, None, c.outcome,
             day(c.closed_at.date()), None, None]
        )  # fmt: skip
    for s in pack.savings:
        rows.append(
            ["savings", s.key, s.tool, None, None, None, None, None, "approved",
             day(s.approved_at.date()), s.savings.amount.quantize(cent), s.savings.currency]
        )  # fmt: skip
    for r in pack.renewals:
        rows.append(
            ["renewal", None, r.tool, None, None, None, None, None, None, day(r.renewal_date),
             r.annual.amount.quantize(cent), r.annual.currency]
        )  # fmt: skip
    return write_table(CHECKIN_CSV_COLUMNS, rows)


def checkin_csv_name(pod_key: str, pack: CheckinPack) -> str:
    """`checkin-<pod>-<customer>-<YYYY-MM-DD>.csv`."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in pack.customer.lower()).strip("-")[:40]
    return f"checkin-{pod_key}-{slug or 'customer'}-{pack.as_of.isoformat()}.csv"
