"""The weekly POD catch-up pack (issue 35): per account its ATS this week, last week and four
weeks ago with the lines behind each change and its deficits, its health and sentiment with
the day each was last set, its people-matrix coverage; the POD's requests audit of the week;
the data abnormalities; the 12-week ATS series its chart draws; and its CSV. Pure: the facts
come in as values (`bot/db/catchup.py` reads them), the day as `today`."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from bot.domain.ats_trend import (
    AtsChange,
    AtsLine,
    Source,
    attribute,
    platform_ats,
    sunset_amount,
)
from bot.domain.csv_out import Cell, write_table
from bot.domain.digest import week_period
from bot.domain.kpis import ATS_BAR
from bot.domain.people_matrix import Contact, single_threaded, why_single_threaded

__all__ = [
    "CHART_WEEKS",
    "STALE_DAYS",
    "Abnormality",
    "AbnormalityKind",
    "AccountFacts",
    "AccountTrend",
    "CatchupPack",
    "RequestsAudit",
    "abnormalities",
    "account_trend",
    "catchup_csv",
    "chart_series",
    "is_stale",
    "pack_weeks",
]

ZERO = Decimal(0)
# A health or sentiment set longer ago than this (or never) is flagged ⚠️ in the pack.
STALE_DAYS = 14
# The ATS chart's span, in ISO weeks ending with this one.
CHART_WEEKS = 12


def pack_weeks(today: date) -> tuple[str, str, str]:
    """This ISO week, last week and the week four weeks ago."""
    return (
        week_period(today),
        week_period(today - timedelta(days=7)),
        week_period(today - timedelta(days=28)),
    )


def chart_weeks(today: date) -> list[str]:
    """The CHART_WEEKS ISO weeks ending with `today`'s, oldest first."""
    return [week_period(today - timedelta(days=7 * k)) for k in range(CHART_WEEKS - 1, -1, -1)]


def is_stale(set_on: date | None, today: date) -> bool:
    """Never set, or set more than STALE_DAYS days before `today`."""
    return set_on is None or (today - set_on).days > STALE_DAYS


@dataclass(frozen=True)
class AccountFacts:
    """What the pack reads of one account: its figures, this week's lines (live when no
    snapshot was taken), its snapshots' lines by week, health, sentiment and people."""

    customer: str
    currency: str
    account_ats: Decimal | None
    handover: date | None
    health: str
    health_set: date | None
    sentiment: str | None
    sentiment_set: date | None
    contacts: tuple[Contact, ...]
    lines: tuple[AtsLine, ...]  # this week's
    weeks: Mapping[str, tuple[AtsLine, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountTrend:
    customer: str
    currency: str
    account_ats: Decimal | None
    this_week: Decimal
    last_week: Decimal | None
    four_weeks_ago: Decimal | None
    week_changes: tuple[AtsChange, ...]
    month_changes: tuple[AtsChange, ...]
    sunset: Decimal  # the sunset contracts' annual amounts: a deficit on the platform
    offline: Decimal  # offline purchases counted in this week's ATS

    @property
    def deficit(self) -> Decimal:
        """How far the ATS on the platform falls short of the account's ATS figure."""
        if self.account_ats is None or self.this_week >= self.account_ats:
            return ZERO
        return self.account_ats - self.this_week

    @property
    def uploaded(self) -> Decimal | None:
        """The ATS on the platform ÷ the account's ATS figure (None without one)."""
        if not self.account_ats:
            return None
        return self.this_week / self.account_ats


def account_trend(facts: AccountFacts, today: date) -> AccountTrend:
    """The account's ATS now, a week and four weeks ago, and what is behind each change."""
    _this, last, four = pack_weeks(today)
    before, month = facts.weeks.get(last), facts.weeks.get(four)
    return AccountTrend(
        customer=facts.customer,
        currency=facts.currency,
        account_ats=facts.account_ats,
        this_week=platform_ats(facts.lines),
        last_week=platform_ats(before) if before is not None else None,
        four_weeks_ago=platform_ats(month) if month is not None else None,
        week_changes=tuple(attribute(before, facts.lines)),
        month_changes=tuple(attribute(month, facts.lines)),
        sunset=sunset_amount(facts.lines),
        offline=sum((line.amount for line in facts.lines if line.source is Source.OFFLINE), ZERO),
    )


class AbnormalityKind(enum.StrEnum):
    RENEWAL_PAST = "renewal date in the past"
    ATS_UNDER = "ATS uploaded under 75 %"
    NO_HANDOVER = "no handover date"
    NO_AMOUNT = "contract with no amount"


@dataclass(frozen=True)
class Abnormality:
    kind: AbnormalityKind
    customer: str
    detail: str  # the tool, the date or the share


def abnormalities(accounts: Sequence[AccountFacts], today: date) -> list[Abnormality]:
    """The data a POD should fix, by kind then customer: contracts whose renewal date has
    passed, accounts whose ATS on the platform is under 75 % of their ATS figure, accounts
    with no handover date, contracts with no amount."""
    found: list[Abnormality] = []
    for facts in accounts:
        contracts = [line for line in facts.lines if line.source is Source.CONTRACT]
        for line in contracts:
            if line.renewal_date is not None and line.renewal_date < today:
                found.append(
                    Abnormality(
                        AbnormalityKind.RENEWAL_PAST,
                        facts.customer,
                        f"{line.tool} {line.renewal_date.isoformat()}",
                    )
                )
            if line.amount == ZERO:
                found.append(Abnormality(AbnormalityKind.NO_AMOUNT, facts.customer, line.tool))
        if facts.account_ats:
            share = platform_ats(facts.lines) / facts.account_ats
            if share < ATS_BAR:
                found.append(
                    Abnormality(AbnormalityKind.ATS_UNDER, facts.customer, f"{share * 100:.0f} %")
                )
        if facts.handover is None:
            found.append(Abnormality(AbnormalityKind.NO_HANDOVER, facts.customer, ""))
    order = list(AbnormalityKind)
    return sorted(found, key=lambda a: (order.index(a.kind), a.customer.casefold(), a.detail))


@dataclass(frozen=True)
class RequestsAudit:
    """The POD's requests of the week: keys opened, qualified, disqualified (with reasons)
    and closed, and the savings approved (by currency)."""

    opened: tuple[str, ...] = ()
    qualified: tuple[str, ...] = ()
    disqualified: tuple[tuple[str, str], ...] = ()
    closed: tuple[str, ...] = ()
    savings_approved: Mapping[str, Decimal] = field(default_factory=dict)


def chart_series(
    accounts: Sequence[AccountFacts], weeks: Sequence[str], currency: str
) -> list[tuple[str, Decimal | None]]:
    """The POD's ATS on the platform per week (its accounts in `currency`, from their
    snapshots), None for a week with no snapshot: what the 12-week chart draws."""
    series: list[tuple[str, Decimal | None]] = []
    for week in weeks:
        taken = [
            platform_ats(f.weeks[week])
            for f in accounts
            if f.currency == currency and week in f.weeks
        ]
        series.append((week, sum(taken, ZERO) if taken else None))
    return series


@dataclass(frozen=True)
class CatchupPack:
    pod: str
    pod_name: str
    week: str
    as_of: date
    currency: str
    trends: tuple[AccountTrend, ...]
    accounts: tuple[AccountFacts, ...]
    audit: RequestsAudit
    abnormalities: tuple[Abnormality, ...]
    series: tuple[tuple[str, Decimal | None], ...]


CSV_HEADER = (
    "customer", "currency", "account_ats", "ats_this_week", "ats_last_week",
    "ats_4_weeks_ago", "change_week", "change_4_weeks", "behind_the_week", "deficit",
    "sunset", "offline", "health", "health_set", "sentiment", "sentiment_set", "contacts",
    "single_threaded",
)  # fmt: skip


def behind(changes: Sequence[AtsChange]) -> str:
    """`Figma renewed down -2000.00; Miro sunset -1500.00` (CSV and plain text)."""
    return "; ".join(f"{c.tool} {c.kind.value} {c.delta:+.2f}" for c in changes)


def catchup_csv(pack: CatchupPack) -> str:
    """One row per account."""
    rows: list[list[Cell]] = []
    for trend, facts in zip(pack.trends, pack.accounts, strict=True):
        rows.append(
            [
                trend.customer, trend.currency, trend.account_ats, trend.this_week,
                trend.last_week, trend.four_weeks_ago,
                _minus(trend.this_week, trend.last_week),
                _minus(trend.this_week, trend.four_weeks_ago),
                behind(trend.week_changes), trend.deficit, trend.sunset, trend.offline,
                facts.health, _day(facts.health_set), facts.sentiment or "",
                _day(facts.sentiment_set), len(facts.contacts),
                "yes" if single_threaded(facts.contacts) else "no",
            ]
        )  # fmt: skip
    return write_table(CSV_HEADER, rows)


def coverage(facts: AccountFacts) -> str:
    """`3 contacts` or `single-threaded (no escalation contact)`."""
    if single_threaded(facts.contacts):
        return f"single-threaded ({why_single_threaded(facts.contacts)})"
    return f"{len(facts.contacts)} contacts"


def _minus(a: Decimal, b: Decimal | None) -> Decimal | None:
    return None if b is None else a - b


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""
