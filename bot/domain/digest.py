"""The weekly digest's chart data (SPEC §5 `weekly-digest`): the figures each chart is drawn
from, computed by the KPI engine's own rules from the same facts as `/proc stats pod` (pure;
`bot.blocks.charts` draws them, `bot.jobs.weekly_digest` posts them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain import kpis
from bot.domain.aging import REPORT_STAGES, AgingLine
from bot.domain.scorecard import KpiFacts
from bot.domain.vocabulary import counts_as_buyer

__all__ = [
    "AGE_BUCKETS",
    "AgeBuckets",
    "BuyerSavings",
    "CustomerMsg",
    "DigestCharts",
    "age_bucket",
    "digest_charts",
    "msg_progress",
    "open_by_age",
    "savings_by_buyer",
    "week_period",
]

# Open requests' ages (calendar days since creation), as the chart's x axis groups them:
# (label, lowest age, highest age or None for no upper end).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–7 d", 0, 7),
    ("8–14 d", 8, 14),
    ("15–30 d", 15, 30),
    ("31–60 d", 31, 60),
    ("> 60 d", 61, None),
)


@dataclass(frozen=True)
class BuyerSavings:
    """One buyer's bar: approved savings in the quarter against their target (the savings
    quota KPI's numerator and denominator); `target` None when the buyer has none."""

    buyer: str
    approved: Decimal
    target: Decimal | None
    quota: Decimal | None  # approved ÷ target, the KPI's value
    status: str


@dataclass(frozen=True)
class CustomerMsg:
    """One customer's point: days since handover against the share of its MSG reached."""

    customer: str
    days_since_handover: int
    share: Decimal  # approved savings since handover ÷ MSG (the MSG KPI's value)
    approved: Decimal
    msg: Decimal
    status: str


@dataclass(frozen=True)
class AgeBuckets:
    """Open requests counted by age bucket (columns) and stage (rows)."""

    buckets: tuple[str, ...]
    stages: tuple[str, ...]
    counts: Mapping[str, tuple[int, ...]]  # stage → one count per bucket

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts.values())


@dataclass(frozen=True)
class DigestCharts:
    """Everything the digest's three charts show, in the POD's currency."""

    currency: str
    quarter: str
    as_of: date
    buyers: tuple[BuyerSavings, ...]
    customers: tuple[CustomerMsg, ...]
    ages: AgeBuckets


def savings_by_buyer(facts: KpiFacts, members: Mapping[str, str]) -> tuple[BuyerSavings, ...]:
    """Each buyer's (and em's) savings quota KPI as a bar, in config order. Figures in another
    currency than the POD's are left out of the chart (the quota counts them apart)."""
    out = []
    savings = facts.quarter_savings()
    for member, role in members.items():
        if not counts_as_buyer(role):
            continue
        target = next((t.target for t in facts.targets if t.buyer_id == member), None)
        kpi = kpis.buyer_quota_of(savings, member, target, facts.quarter, facts.as_of_day)
        if target is not None and target.currency != facts.currency:
            continue
        approved = kpi.numerator
        if approved is None:
            # No target: the KPI has no figure, but the buyer's approved savings still show,
            # summed by the same rule (the quarter's approved claims up to as-of).
            by_kind, _apart = kpis._sum_totals(savings, facts.currency, member)
            approved = sum(by_kind.values(), Decimal(0))
        out.append(
            BuyerSavings(
                buyer=member,
                approved=approved,
                target=kpi.denominator,
                quota=kpi.value,
                status=str(kpi.status),
            )
        )
    return tuple(out)


def msg_progress(facts: KpiFacts) -> tuple[CustomerMsg, ...]:
    """Each handed-over customer with an MSG in the POD's currency: the MSG KPI's share."""
    out = []
    day = facts.as_of_day
    for account in facts.accounts:
        if account.msg is None or account.handover_on is None or account.msg.amount <= 0:
            continue
        if account.msg.currency != facts.currency or account.handover_on > day:
            continue
        kpi = kpis.minimum_savings_guarantee(account, facts.milestone_claims, facts.calendar, day)
        if kpi.value is None or kpi.numerator is None or kpi.denominator is None:
            continue
        out.append(
            CustomerMsg(
                customer=account.customer,
                days_since_handover=(day - account.handover_on).days,
                share=kpi.value,
                approved=kpi.numerator,
                msg=kpi.denominator,
                status=str(kpi.status),
            )
        )
    return tuple(out)


def age_bucket(age_days: int) -> str:
    """The label of the bucket an age (in days) falls in."""
    for label, low, high in AGE_BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return label
    return AGE_BUCKETS[0][0]  # a negative age (clock skew) counts as new


def open_by_age(lines: Iterable[AgingLine]) -> AgeBuckets:
    """The aging report's lines counted by age bucket and stage."""
    labels = tuple(label for label, _, _ in AGE_BUCKETS)
    stages = tuple(str(s) for s in REPORT_STAGES)
    counts = {stage: [0] * len(labels) for stage in stages}
    for line in lines:
        counts[str(line.item.stage)][labels.index(age_bucket(line.age_days))] += 1
    return AgeBuckets(labels, stages, {stage: tuple(row) for stage, row in counts.items()})


def digest_charts(
    facts: KpiFacts, members: Mapping[str, str], lines: Iterable[AgingLine]
) -> DigestCharts:
    """The data of the digest's three charts."""
    return DigestCharts(
        currency=facts.currency,
        quarter=str(facts.quarter),
        as_of=facts.as_of_day,
        buyers=savings_by_buyer(facts, members),
        customers=msg_progress(facts),
        ages=open_by_age(lines),
    )


def week_period(day: date) -> str:
    """The ISO week a day is in, as the digest's ledger period: `2026-W48`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
