"""The renewal calendar of a quarter (SPEC §5 `renewal-calendar`): which contracts renew, by month.

A renewal is flagged when its negotiation TAT window (renewal date − the renewal TAT days) has
already opened and no renewal request is open for the same customer and tool; a monthly-billed
contract is marked as a candidate for conversion to annual billing. Functions are pure: today
is passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain.dates import add_days
from bot.domain.money import Money
from bot.domain.names import name_key
from bot.domain.quarters import Quarter
from bot.domain.vocabulary import OPEN_STAGES

__all__ = [
    "MOST_ADVANCED_FIRST",
    "RENEWAL_REMINDER_DAYS",
    "RenewalCalendar",
    "RenewalContract",
    "RenewalFlag",
    "RenewalLine",
    "RenewalMonth",
    "RequestItem",
    "match_key",
    "notice_deadline",
    "past_renewal",
    "reminder_deadline",
    "reminders_due",
    "renewal_calendar",
    "tat_window_opens",
]

# Most advanced first: when several requests are open for one renewal, the card shows this one.
MOST_ADVANCED_FIRST = tuple(reversed(OPEN_STAGES))


class RenewalFlag(enum.StrEnum):
    """What the calendar calls out on a renewal line."""

    TAT_WINDOW_OPEN_NO_REQUEST = "tat_window_open_no_request"
    ANNUAL_CONVERSION_CANDIDATE = "annual_conversion_candidate"


@dataclass(frozen=True)
class RenewalContract:
    """A contract as the calendar needs it."""

    contract_id: int
    customer: str
    tool: str
    annual: Money
    renewal_date: date
    billing_cycle: str = "annual"
    notice_days: int | None = None
    auto_renew: bool | None = None


@dataclass(frozen=True)
class RequestItem:
    """A procurement request as the calendar needs it: its number, names, type and stage."""

    number: int
    customer: str
    tool: str
    kind: str
    stage: str

    @property
    def key(self) -> str:
        """The request's key as users write it, e.g. REQ-12."""
        return f"REQ-{self.number}"


@dataclass(frozen=True)
class RenewalLine:
    """One renewal in the calendar, with its open request (if any), deadlines and flags."""

    contract: RenewalContract
    request: RequestItem | None
    tat_window_opens: date
    notice_deadline: date | None
    flags: frozenset[RenewalFlag]

    @property
    def tat_window_open_no_request(self) -> bool:
        """Whether the TAT window has opened and no renewal request is open."""
        return RenewalFlag.TAT_WINDOW_OPEN_NO_REQUEST in self.flags

    @property
    def annual_conversion_candidate(self) -> bool:
        """Whether the contract is billed monthly, so could move to annual billing."""
        return RenewalFlag.ANNUAL_CONVERSION_CANDIDATE in self.flags


@dataclass(frozen=True)
class RenewalMonth:
    """One month of the quarter (`month` is its first day) and the renewals falling in it."""

    month: date
    lines: tuple[RenewalLine, ...]


@dataclass(frozen=True)
class RenewalCalendar:
    """A quarter's renewals as of `today`, in three months."""

    quarter: Quarter
    today: date
    months: tuple[RenewalMonth, ...]

    @property
    def lines(self) -> list[RenewalLine]:
        """Every renewal of the quarter, in calendar order."""
        return [line for month in self.months for line in month.lines]

    def count(self, flag: RenewalFlag) -> int:
        """How many renewals carry `flag`."""
        return sum(flag in line.flags for line in self.lines)

    def totals(self) -> dict[str, Decimal]:
        """The annual value renewing in the quarter, per currency, in first-seen order."""
        sums: dict[str, Decimal] = {}
        for line in self.lines:
            annual = line.contract.annual
            sums[annual.currency] = sums.get(annual.currency, Decimal(0)) + annual.amount
        return sums


def match_key(customer: str, tool: str) -> tuple[str, str]:
    """How a contract and a request are matched: by the names' `name_key`."""
    return name_key(customer), name_key(tool)


def notice_deadline(renewal_date: date, notice_days: int | None) -> date | None:
    """The last day to give notice (renewal date − notice days), when notice days are known;
    held at `date.min` for a stored placeholder such as 0001-01-01."""
    return None if notice_days is None else add_days(renewal_date, -notice_days)


# A contract's analysts are reminded this many days before its deadline (renewal-reminders).
RENEWAL_REMINDER_DAYS = (90, 60)


def reminder_deadline(renewal_date: date, notice_days: int | None) -> date:
    """What a renewal reminder counts down to: the notice deadline when it comes before the
    renewal date, else the renewal date."""
    notice = notice_deadline(renewal_date, notice_days)
    return renewal_date if notice is None else min(renewal_date, notice)


def reminders_due(
    renewal_date: date,
    notice_days: int | None,
    today: date,
    leads: Iterable[int] = RENEWAL_REMINDER_DAYS,
) -> list[int]:
    """The lead times (days) whose reminder day has come by `today`, longest first: a lead is
    due from (deadline − lead) up to the deadline itself; none once the deadline has passed."""
    deadline = reminder_deadline(renewal_date, notice_days)
    if today > deadline:
        return []
    return sorted((d for d in leads if today >= add_days(deadline, -d)), reverse=True)


def tat_window_opens(renewal_date: date, tat_days: int) -> date:
    """The day the renewal's negotiation TAT window opens: renewal date − TAT days."""
    return add_days(renewal_date, -tat_days)


def _open_requests(requests: Iterable[RequestItem]) -> dict[tuple[str, str], RequestItem]:
    """The open renewal request shown for each (customer, tool): the most advanced, then oldest."""
    chosen: dict[tuple[str, str], RequestItem] = {}
    for request in requests:
        if request.kind != "renewal" or request.stage not in MOST_ADVANCED_FIRST:
            continue
        key = match_key(request.customer, request.tool)
        best = chosen.get(key)
        rank = (MOST_ADVANCED_FIRST.index(request.stage), request.number)
        if best is None or rank < (MOST_ADVANCED_FIRST.index(best.stage), best.number):
            chosen[key] = request
    return chosen


def renewal_calendar(
    contracts: Iterable[RenewalContract],
    requests: Iterable[RequestItem],
    quarter: Quarter,
    today: date,
    tat_days: int,
) -> RenewalCalendar:
    """The quarter's renewals grouped by month, each with its open request, deadlines and flags."""
    open_requests = _open_requests(requests)
    lines: list[RenewalLine] = []
    for contract in contracts:
        if not quarter.contains(contract.renewal_date):
            continue
        request = open_requests.get(match_key(contract.customer, contract.tool))
        opens = tat_window_opens(contract.renewal_date, tat_days)
        flags = set()
        if today >= opens and request is None:
            flags.add(RenewalFlag.TAT_WINDOW_OPEN_NO_REQUEST)
        if contract.billing_cycle == "monthly":
            flags.add(RenewalFlag.ANNUAL_CONVERSION_CANDIDATE)
        lines.append(
            RenewalLine(
                contract=contract,
                request=request,
                tat_window_opens=opens,
                notice_deadline=notice_deadline(contract.renewal_date, contract.notice_days),
                flags=frozenset(flags),
            )
        )
    lines.sort(
        key=lambda line: (
            line.contract.renewal_date,
            line.contract.customer.casefold(),
            line.contract.tool.casefold(),
            line.contract.contract_id,
        )
    )
    months = tuple(
        RenewalMonth(
            month=first,
            lines=tuple(
                line
                for line in lines
                if (line.contract.renewal_date.year, line.contract.renewal_date.month)
                == (first.year, first.month)
            ),
        )
        for first in quarter.months()
    )
    return RenewalCalendar(quarter=quarter, today=today, months=months)


def past_renewal(renewal: date | None, today: date) -> str | None:
    """Why a renewal date given for a request, a contract or a new term cannot be taken (it is
    before `today`, the POD's local date), or None when it can. Imports of history are exempt:
    this is for dates people type now."""
    if renewal is None or renewal >= today:
        return None
    return (
        f"The renewal date {renewal.isoformat()} is in the past (today is {today.isoformat()}); "
        "give the next renewal date."
    )
